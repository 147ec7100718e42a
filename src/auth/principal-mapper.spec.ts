import { sliceOf } from '../../test/support/config';
import { AuthConfig } from '../config/slices/auth.config';
import { DomainError } from '../common/errors/domain-error';
import { ADMIN_TENANT, PrincipalMapper } from './principal-mapper';
import { hasPermission, tenantScope } from './principal';

const mapper = (settings: Record<string, string> = {}): PrincipalMapper =>
  new PrincipalMapper(sliceOf(AuthConfig, { OIDC_AUDIENCE: 'nemo-intent-api', ...settings }));

const refusal = (work: () => unknown): DomainError => {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('PrincipalMapper', () => {
  it('builds the principal from sub, tenant and the default Keycloak role claims', () => {
    const principal = mapper().toPrincipal({
      sub: 'u1',
      tenant: 'tenant-a',
      realm_access: { roles: ['nemo-writer'] },
      resource_access: { 'nemo-intent-api': { roles: ['nemo-service'] } },
    });
    expect(principal.subject).toBe('u1');
    expect(principal.tenant).toBe('tenant-a');
    expect([...principal.roles].sort()).toEqual(['service', 'writer']);
    expect(tenantScope(principal)).toEqual({ tenant: 'tenant-a' });
  });

  it('uses OIDC_CLIENT_ID over the audience for client roles', () => {
    const payload = {
      sub: 'u',
      tenant: 't',
      resource_access: {
        web: { roles: ['nemo-reader'] },
        'nemo-intent-api': { roles: ['nemo-admin'] },
      },
    };
    expect([...mapper({ OIDC_CLIENT_ID: 'web' }).toPrincipal(payload).roles]).toEqual(['reader']);
  });

  it('follows configured claim paths and role names', () => {
    const custom = mapper({
      AUTH_ROLE_CLAIMS: 'groups',
      AUTH_TENANT_CLAIM: 'org.id,azp',
      AUTH_ROLE_READER: 'viewers',
      AUTH_ROLE_WRITER: 'editors',
    });
    const principal = custom.toPrincipal({
      sub: 'u',
      azp: 'portal',
      groups: ['editors', 'nemo-reader'],
    });
    expect(principal.tenant).toBe('portal');
    expect([...principal.roles]).toEqual(['writer']);
    expect(hasPermission(principal, 'write')).toBe(true);
    expect(hasPermission(principal, 'report')).toBe(false);
  });

  it('refuses a token without a tenant (403) unless the caller is an admin, who then sees every tenant', () => {
    const error = refusal(() =>
      mapper().toPrincipal({ sub: 'u', realm_access: { roles: ['nemo-writer'] } }),
    );
    expect(error).toMatchObject({ status: 403, code: 'tenant_missing' });
    const admin = mapper().toPrincipal({ sub: 'root', realm_access: { roles: ['nemo-admin'] } });
    expect(admin.tenant).toBe(ADMIN_TENANT);
    expect(tenantScope(admin)).toEqual({});
  });

  it('keeps the admin sentinel out of reach: "admin" is an ordinary tenant, odd names are refused', () => {
    const fake = mapper().toPrincipal({
      sub: 'eve',
      tenant: 'admin',
      realm_access: { roles: ['nemo-writer'] },
    });
    expect(fake.tenant).toBe('admin');
    expect(tenantScope(fake)).not.toEqual({ tenant: ADMIN_TENANT });
    for (const tenant of [ADMIN_TENANT, 'a b', 'x'.repeat(201), ['#admin']]) {
      const error = refusal(() =>
        mapper({ AUTH_TENANT_CLAIM: 'org,tenant' }).toPrincipal({
          sub: 'eve',
          org: tenant,
          tenant: 'fallback',
          realm_access: { roles: ['nemo-admin'] },
        }),
      );
      expect(error).toMatchObject({ status: 403, code: 'tenant_invalid' });
      expect(error.message).toContain('"org" claim');
    }
  });

  it('refuses a token without a subject (401)', () => {
    expect(refusal(() => mapper().toPrincipal({ tenant: 't' }))).toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
  });
});

describe('AUTH_MODE validation', () => {
  it('refuses dev mode in production with a clear message', () => {
    expect(() => sliceOf(AuthConfig, { AUTH_MODE: 'dev', NODE_ENV: 'production' })).toThrow(
      /AUTH_MODE \(invalid\): AUTH_MODE=dev is for local development only and is refused when NODE_ENV=production/,
    );
    expect(sliceOf(AuthConfig, { AUTH_MODE: 'dev', NODE_ENV: 'development' }).AUTH_MODE).toBe(
      'dev',
    );
    expect(() => sliceOf(AuthConfig, { AUTH_MODE: 'none' })).toThrow(/AUTH_MODE \(invalid\)/);
  });
});
