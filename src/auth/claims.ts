import type { JWTPayload } from 'jose';
import { AppRole } from './principal';

/** A claim path as segments: `resource_access.{client_id}.roles` → ['resource_access', '<client>', 'roles']. */
export type ClaimPath = readonly string[];

const CLIENT_ID_SEGMENT = '{client_id}';

/**
 * Parses a comma-separated list of dotted claim paths. The `{client_id}` segment is replaced by the
 * client id after splitting, so a client id containing dots stays one segment; a path that needs a
 * client id is dropped when none is configured.
 */
export function parseClaimPaths(spec: string, clientId?: string): ClaimPath[] {
  return spec
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path.length > 0)
    .map((path) =>
      path.split('.').map((segment) => (segment === CLIENT_ID_SEGMENT ? clientId : segment)),
    )
    .filter((segments): segments is string[] =>
      segments.every((segment) => segment !== undefined && segment !== ''),
    );
}

export function readClaim(payload: JWTPayload, path: ClaimPath): unknown {
  let current: unknown = payload;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Writes a claim at a path, creating the objects on the way (used to mint dev and test tokens). */
export function writeClaim(
  payload: Record<string, unknown>,
  path: ClaimPath,
  value: unknown,
): void {
  let current = payload;
  path.slice(0, -1).forEach((segment) => {
    const next = current[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  });
  current[path[path.length - 1]] = value;
}

/** Role claims are string arrays (Keycloak) or one space-separated string (e.g. `scope`). */
function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((item) => item.length > 0);
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** Token role name → platform role. Each AUTH_ROLE_* setting may list several names, comma-separated. */
export type RoleMap = ReadonlyMap<string, AppRole>;

export function buildRoleMap(names: Record<AppRole, string>): RoleMap {
  const map = new Map<string, AppRole>();
  for (const [role, spec] of Object.entries(names) as Array<[AppRole, string]>) {
    spec
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0)
      .forEach((name) => map.set(name, role));
  }
  return map;
}

/** The platform roles granted by every configured claim path together; unknown names are ignored. */
export function extractRoles(
  payload: JWTPayload,
  paths: readonly ClaimPath[],
  roleMap: RoleMap,
): Set<AppRole> {
  const roles = new Set<AppRole>();
  for (const path of paths) {
    for (const name of asStrings(readClaim(payload, path))) {
      const role = roleMap.get(name);
      if (role) roles.add(role);
    }
  }
  return roles;
}

/**
 * What a tenant name may be: 1–200 of letters, digits and `. _ : @ / + -` (so Keycloak group paths
 * such as `/acme` fit). The admin sentinel (ADMIN_TENANT) lies outside it, so no token can name it.
 */
export const TENANT_PATTERN = /^[A-Za-z0-9._:@/+-]{1,200}$/;
export const TENANT_PATTERN_TEXT = '1-200 of A-Z a-z 0-9 . _ : @ / + -';

/** The tenant claim found in a token: the configured path (dotted) and its value as given. */
export interface TenantClaim {
  path: string;
  value: string;
}

/**
 * The tenant claim from the first configured path that holds one: a non-empty string, or a list
 * with exactly one string (a single group). Several values are ambiguous and count as no tenant.
 * Whether the value is a valid tenant name (TENANT_PATTERN) is the caller's check.
 */
export function extractTenant(
  payload: JWTPayload,
  paths: readonly ClaimPath[],
): TenantClaim | undefined {
  for (const path of paths) {
    const value = readClaim(payload, path);
    const candidate = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (typeof candidate === 'string' && candidate.length > 0) {
      return { path: path.join('.'), value: candidate };
    }
  }
  return undefined;
}
