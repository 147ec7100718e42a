import {
  buildRoleMap,
  extractRoles,
  extractTenant,
  parseClaimPaths,
  readClaim,
  TENANT_PATTERN,
  writeClaim,
} from './claims';
import { ADMIN_TENANT } from './principal-mapper';

const roleMap = buildRoleMap({
  reader: 'nemo-reader',
  writer: 'nemo-writer',
  service: 'nemo-service',
  admin: 'nemo-admin',
});

describe('parseClaimPaths', () => {
  it('splits dotted paths and keeps a client id with dots as one segment', () => {
    expect(
      parseClaimPaths('realm_access.roles, resource_access.{client_id}.roles', 'nemo.api'),
    ).toEqual([
      ['realm_access', 'roles'],
      ['resource_access', 'nemo.api', 'roles'],
    ]);
  });

  it('drops paths that need a client id when none is configured, and empty entries', () => {
    expect(
      parseClaimPaths('realm_access.roles,,resource_access.{client_id}.roles', undefined),
    ).toEqual([['realm_access', 'roles']]);
    expect(parseClaimPaths('a..b', 'x')).toEqual([]);
  });
});

describe('readClaim / writeClaim', () => {
  it('reads nested values and never walks into arrays or inherited properties', () => {
    const payload = { a: { b: { c: 1 } }, list: [{ x: 1 }] };
    expect(readClaim(payload, ['a', 'b', 'c'])).toBe(1);
    expect(readClaim(payload, ['a', 'missing', 'c'])).toBeUndefined();
    expect(readClaim(payload, ['list', '0', 'x'])).toBeUndefined();
    expect(readClaim(payload, ['a', 'constructor'])).toBeUndefined();
  });

  it('writes a nested value, creating the objects on the way', () => {
    const payload: Record<string, unknown> = { realm_access: 'not an object' };
    writeClaim(payload, ['realm_access', 'roles'], ['r']);
    writeClaim(payload, ['org', 'tenant'], 't');
    expect(payload).toEqual({ realm_access: { roles: ['r'] }, org: { tenant: 't' } });
  });
});

describe('extractRoles', () => {
  const paths = parseClaimPaths(
    'realm_access.roles,resource_access.{client_id}.roles,scope',
    'nemo-intent-api',
  );

  it('maps Keycloak realm and client roles, ignoring unknown names and other clients', () => {
    const payload = {
      realm_access: { roles: ['offline_access', 'nemo-reader'] },
      resource_access: {
        'nemo-intent-api': { roles: ['nemo-service'] },
        account: { roles: ['nemo-admin'] },
      },
    };
    expect([...extractRoles(payload, paths, roleMap)].sort()).toEqual(['reader', 'service']);
  });

  it('accepts a space-separated string claim and skips non-string items', () => {
    expect([...extractRoles({ scope: 'openid nemo-writer' }, paths, roleMap)]).toEqual(['writer']);
    expect([
      ...extractRoles({ realm_access: { roles: [1, null, { n: 'nemo-admin' }] } }, paths, roleMap),
    ]).toEqual([]);
  });

  it('maps several configured names to one role', () => {
    const map = buildRoleMap({
      reader: 'viewer, auditor',
      writer: 'editor',
      service: 'svc',
      admin: 'root',
    });
    expect([...extractRoles({ realm_access: { roles: ['auditor'] } }, paths, map)]).toEqual([
      'reader',
    ]);
    expect(map.get(' viewer')).toBeUndefined();
    expect(map.get('viewer')).toBe('reader');
  });
});

describe('extractTenant', () => {
  const paths = parseClaimPaths('tenant,org.id,azp');

  it('takes the first path that holds a tenant, naming the path', () => {
    expect(extractTenant({ tenant: 'acme', azp: 'web' }, paths)).toEqual({
      path: 'tenant',
      value: 'acme',
    });
    expect(extractTenant({ org: { id: 'globex' }, azp: 'web' }, paths)?.path).toBe('org.id');
    expect(extractTenant({ azp: 'web' }, paths)?.value).toBe('web');
  });

  it('accepts a single-group list but not an ambiguous one, an empty string or a number', () => {
    expect(extractTenant({ tenant: ['/acme'] }, paths)?.value).toBe('/acme');
    expect(extractTenant({ tenant: ['a', 'b'] }, parseClaimPaths('tenant'))).toBeUndefined();
    expect(extractTenant({ tenant: '' }, parseClaimPaths('tenant'))).toBeUndefined();
    expect(extractTenant({ tenant: 7 }, parseClaimPaths('tenant'))).toBeUndefined();
  });
});

describe('TENANT_PATTERN', () => {
  it('takes tenant names and group paths, never the admin sentinel', () => {
    for (const name of ['acme', 'tenant-a', '/org/team', 'a.b_c:d@e+f', 'admin', 'x'.repeat(200)])
      expect(TENANT_PATTERN.test(name)).toBe(true);
    for (const name of [ADMIN_TENANT, '', 'x'.repeat(201), 'a b', 'a\u0000', 'ä', '*', 'a\n'])
      expect(TENANT_PATTERN.test(name)).toBe(false);
  });
});
