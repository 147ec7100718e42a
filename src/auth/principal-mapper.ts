import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { AuthConfig } from '../config/slices/auth.config';
import { ForbiddenError, UnauthorizedError } from './auth.errors';
import {
  buildRoleMap,
  ClaimPath,
  extractRoles,
  extractTenant,
  parseClaimPaths,
  RoleMap,
  TENANT_PATTERN,
  TENANT_PATTERN_TEXT,
} from './claims';
import { Principal } from './principal';

/**
 * The tenant of an admin whose token names none: rows it creates are visible to admins only. It is
 * outside TENANT_PATTERN, so no token's tenant claim can ever be it (a tenant named `admin` is an
 * ordinary tenant).
 */
export const ADMIN_TENANT = '#admin';

/** Where roles and the tenant are read from, and which token role names mean which platform role. */
export interface ClaimSettings {
  rolePaths: ClaimPath[];
  tenantPaths: ClaimPath[];
  roleMap: RoleMap;
}

/** The client whose `resource_access` roles count: OIDC_CLIENT_ID, else the audience (Keycloak's usual setup). */
export function claimSettings(config: AuthConfig): ClaimSettings {
  const clientId = config.OIDC_CLIENT_ID ?? config.OIDC_AUDIENCE;
  return {
    rolePaths: parseClaimPaths(config.AUTH_ROLE_CLAIMS, clientId),
    tenantPaths: parseClaimPaths(config.AUTH_TENANT_CLAIM, clientId),
    roleMap: buildRoleMap({
      reader: config.AUTH_ROLE_READER,
      writer: config.AUTH_ROLE_WRITER,
      service: config.AUTH_ROLE_SERVICE,
      admin: config.AUTH_ROLE_ADMIN,
    }),
  };
}

/** Turns the claims of a verified token into the caller's Principal, or refuses it. */
@Injectable()
export class PrincipalMapper {
  private readonly settings: ClaimSettings;

  constructor(config: AuthConfig) {
    this.settings = claimSettings(config);
  }

  toPrincipal(payload: JWTPayload): Principal {
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0) {
      throw new UnauthorizedError('invalid_token', 'The token has no "sub" claim');
    }
    const roles = extractRoles(payload, this.settings.rolePaths, this.settings.roleMap);
    const tenant = this.tenantOf(payload);
    if (tenant) return { subject, tenant, roles };
    if (roles.has('admin')) return { subject, tenant: ADMIN_TENANT, roles };
    throw new ForbiddenError(
      'tenant_missing',
      'The token names no tenant, so no object can be shown or created',
    );
  }

  /** A tenant claim that is not a tenant name is refused, never skipped for the next path. */
  private tenantOf(payload: JWTPayload): string | undefined {
    const claim = extractTenant(payload, this.settings.tenantPaths);
    if (!claim || TENANT_PATTERN.test(claim.value)) return claim?.value;
    throw new ForbiddenError(
      'tenant_invalid',
      `The token's "${claim.path}" claim is not a tenant name (${TENANT_PATTERN_TEXT})`,
    );
  }
}
