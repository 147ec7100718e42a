import { LookupAddress } from 'node:dns';
import { allowedAddresses, EgressRefused, pinnedLookup } from './egress-guard';
import { OPEN_EGRESS, parseEgressAllowList } from '../../common/egress/egress-policy';

describe('allowedAddresses', () => {
  it('checks IP literals without DNS and names resolved to internal addresses as refused', async () => {
    const resolve = jest.fn(async (host: string) =>
      host === 'rebind.example' ? ['93.184.216.34', '127.0.0.1'] : ['93.184.216.34'],
    );
    await expect(
      allowedAddresses(OPEN_EGRESS, { host: '[::1]', port: 5000 }, resolve),
    ).rejects.toThrow(EgressRefused);
    await expect(
      allowedAddresses(OPEN_EGRESS, { host: '169.254.169.254', port: 80 }, resolve),
    ).rejects.toThrow(/169.254.169.254 is link-local/);
    expect(resolve).not.toHaveBeenCalled();
    await expect(
      allowedAddresses(OPEN_EGRESS, { host: 'rebind.example', port: 443 }, resolve),
    ).rejects.toThrow(/127.0.0.1 is loopback/);
    expect(await allowedAddresses(OPEN_EGRESS, { host: 'ok.example', port: 443 }, resolve)).toEqual(
      ['93.184.216.34'],
    );
  });

  it('refuses names that do not resolve, and allows what the policy allows', async () => {
    const failing = async (): Promise<string[]> => {
      throw new Error('ENOTFOUND');
    };
    await expect(
      allowedAddresses(OPEN_EGRESS, { host: 'nope.example', port: 443 }, failing),
    ).rejects.toThrow(/does not resolve/);
    const policy = parseEgressAllowList('127.0.0.1:55000');
    expect(await allowedAddresses(policy, { host: '127.0.0.1', port: 55000 })).toEqual([
      '127.0.0.1',
    ]);
  });
});

describe('pinnedLookup', () => {
  it('answers only the checked addresses, in both callback shapes', () => {
    const lookup = pinnedLookup(['10.0.0.1', 'fd00::1']);
    const all = jest.fn();
    lookup('evil.example', { all: true }, all);
    expect(all).toHaveBeenCalledWith(null, [
      { address: '10.0.0.1', family: 4 },
      { address: 'fd00::1', family: 6 },
    ] satisfies LookupAddress[]);
    const one = jest.fn();
    lookup('evil.example', { family: 6 }, one);
    expect(one).toHaveBeenCalledWith(null, 'fd00::1', 6);
    lookup('evil.example', {}, one);
    expect(one).toHaveBeenLastCalledWith(null, '10.0.0.1', 4);
  });
});
