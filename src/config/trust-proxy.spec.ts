import { isTrustProxySpec, parseTrustProxy } from './trust-proxy';

describe('HTTP_TRUST_PROXY', () => {
  it('trusts nothing by default, a hop count, or a list of proxies', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('accepts only addresses, CIDR ranges, named ranges and small hop counts', () => {
    for (const spec of ['', '1', '10.1.2.3', '10.0.0.0/8', '::1', '2001:db8::/32', 'uniquelocal'])
      expect(isTrustProxySpec(spec)).toBe(true);
    for (const spec of [
      'true',
      '*',
      'proxy.example',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.1/8/1',
      '10.0.0.1/x',
      '1.2.3',
      '100',
      ',',
      '-1',
    ])
      expect(isTrustProxySpec(spec)).toBe(false);
  });
});
