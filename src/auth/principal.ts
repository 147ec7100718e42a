/** What a caller may do; each route asks for exactly one permission. */
export type Permission = 'read' | 'write' | 'report';

/** Platform roles, mapped from the token's role names (configurable, see AuthConfig). */
export type AppRole = 'reader' | 'writer' | 'service' | 'admin';

export const ROLE_PERMISSIONS: Record<AppRole, readonly Permission[]> = {
  reader: ['read'],
  writer: ['read', 'write'],
  service: ['read', 'report'],
  admin: ['read', 'write', 'report'],
};

/** The authenticated caller, derived from a verified bearer token. */
export interface Principal {
  /** The token's `sub`: recorded as the owner of what the caller creates. */
  subject: string;
  /** The caller's tenant: every owned row is filtered by it. */
  tenant: string;
  roles: ReadonlySet<AppRole>;
}

export function isAdmin(principal: Principal): boolean {
  return principal.roles.has('admin');
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return [...principal.roles].some((role) => ROLE_PERMISSIONS[role].includes(permission));
}

/**
 * The tenant filter for queries on owned rows: admins see every tenant. Spread it into a TypeORM
 * `where`, e.g. `repo.findOneBy({ id, ...tenantScope(principal) })`; a miss is a 404.
 */
export function tenantScope(principal: Principal): { tenant?: string } {
  return isAdmin(principal) ? {} : { tenant: principal.tenant };
}

/** The row's tenant is not the caller's and the caller is no admin: answer it no data of that tenant. */
export function isForeign(principal: Principal, tenant: string): boolean {
  return !isAdmin(principal) && principal.tenant !== tenant;
}

/**
 * The scope of fulfilment and status reports: they come from platform services (meta-Orchestrator,
 * monitoring) that act for every tenant, so the service role reports on any object; anyone else
 * only within their tenant. A report on another tenant's object is answered with an
 * acknowledgement only (isForeign), never with the object.
 */
export function reportScope(principal: Principal): { tenant?: string } {
  return principal.roles.has('service') ? {} : tenantScope(principal);
}
