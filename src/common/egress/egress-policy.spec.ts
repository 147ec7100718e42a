import {
  AddressClass,
  classifyAddress,
  egressAllowListProblem,
  egressVerdict,
  OPEN_EGRESS,
  parseEgressAllowList,
} from './egress-policy';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
  ])('IPv4 %s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each<[string, AddressClass]>([
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'private'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('IPv6 %s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each<[string, AddressClass]>([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:0808:0808::1', 'public'],
  ])('IPv4 inside IPv6 %s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('treats anything that is not an address as reserved', () => {
    expect(classifyAddress('localhost')).toBe('reserved');
    expect(classifyAddress('999.1.1.1')).toBe('reserved');
  });
});

describe('egressVerdict', () => {
  const at = (host: string, port = 443) => ({ host, port });

  it('allows public addresses and refuses every other class by default', () => {
    expect(egressVerdict(OPEN_EGRESS, at('registry.example'), ['8.8.8.8']).allowed).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '169.254.169.254',
      '::1',
      '::ffff:127.0.0.1',
      'fd00::1',
      'ff02::1',
      '0.0.0.0',
      '::',
    ]) {
      expect(egressVerdict(OPEN_EGRESS, at('x.example'), [address])).toEqual({
        allowed: false,
        address,
        addressClass: classifyAddress(address),
      });
    }
  });

  it('refuses a name with one internal address among public ones, and one without addresses', () => {
    expect(egressVerdict(OPEN_EGRESS, at('mixed.example'), ['8.8.8.8', '10.0.0.1']).allowed).toBe(
      false,
    );
    expect(egressVerdict(OPEN_EGRESS, at('nothing.example'), [])).toEqual({ allowed: false });
  });

  it('allows exactly an allowed host:port, not its other ports', () => {
    const policy = parseEgressAllowList('127.0.0.1:55000');
    expect(egressVerdict(policy, at('127.0.0.1', 55000), ['127.0.0.1']).allowed).toBe(true);
    expect(egressVerdict(policy, at('127.0.0.1', 5432), ['127.0.0.1']).allowed).toBe(false);
    expect(egressVerdict(policy, at('127.0.0.2', 55000), ['127.0.0.2']).allowed).toBe(false);
    // The same socket through an IPv4-mapped IPv6 address.
    expect(egressVerdict(policy, at('::ffff:127.0.0.1', 55000), ['::ffff:127.0.0.1']).allowed).toBe(
      true,
    );
    expect(egressVerdict(policy, at('[::1]', 55000), ['::1']).allowed).toBe(false);
  });

  it('allows address ranges on any port, IPv4 and IPv6', () => {
    const policy = parseEgressAllowList('10.20.0.0/16, fd00:abcd::/32');
    expect(egressVerdict(policy, at('a', 1), ['10.20.3.4']).allowed).toBe(true);
    expect(egressVerdict(policy, at('a', 2), ['10.21.3.4']).allowed).toBe(false);
    expect(egressVerdict(policy, at('a', 3), ['fd00:abcd:1::9']).allowed).toBe(true);
    expect(egressVerdict(policy, at('a', 3), ['fd00:abce::9']).allowed).toBe(false);
  });

  it('allows a named host (on one port or any) whatever it resolves to', () => {
    const policy = parseEgressAllowList('registry.internal:5000,mirror.internal,[::1]:8443');
    expect(egressVerdict(policy, at('Registry.Internal', 5000), ['10.0.0.1']).allowed).toBe(true);
    expect(egressVerdict(policy, at('registry.internal', 5001), ['10.0.0.1']).allowed).toBe(false);
    expect(egressVerdict(policy, at('mirror.internal', 1), ['192.168.0.1']).allowed).toBe(true);
    expect(egressVerdict(policy, at('[::1]', 8443), ['::1']).allowed).toBe(true);
    expect(egressVerdict(policy, at('::1', 8444), ['::1']).allowed).toBe(false);
  });
});

describe('parseEgressAllowList', () => {
  it('accepts an empty list and names the first bad entry', () => {
    expect(parseEgressAllowList('').allowances).toEqual([]);
    expect(parseEgressAllowList(' , ').allowances).toEqual([]);
    expect(egressAllowListProblem('127.0.0.1:55000,10.0.0.0/8,::1,[fe80::1]:80')).toBeUndefined();
    expect(egressAllowListProblem('10.0.0.0/33')).toMatch(/"10.0.0.0\/33" has a prefix length/);
    expect(egressAllowListProblem('127.0.0.1:0')).toMatch(/port outside 1-65535/);
    expect(egressAllowListProblem('127.0.0.1:99999')).toMatch(/port outside/);
    expect(egressAllowListProblem('host name')).toMatch(/neither an address/);
    expect(egressAllowListProblem('nothing/8')).toMatch(/not an address range/);
  });
});
