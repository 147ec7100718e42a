import { lookup } from 'node:dns/promises';
import { isIP, LookupFunction } from 'node:net';
import { EgressDestination, EgressPolicy, egressVerdict } from '../../common/egress/egress-policy';

/**
 * A destination the egress policy refuses (or that does not resolve). The message is for the
 * server log only: callers answer tenants with a generic text, so refusals cannot map a network.
 */
export class EgressRefused extends Error {
  constructor(destination: EgressDestination, detail: string) {
    super(`egress to ${destination.host}:${destination.port} refused: ${detail}`);
    this.name = 'EgressRefused';
  }
}

export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Resolves the destination and answers the addresses a connection may use, all of them allowed;
 * throws EgressRefused otherwise. An IP literal is checked as it is, without DNS.
 */
export async function allowedAddresses(
  policy: EgressPolicy,
  destination: EgressDestination,
  resolve: Resolve = systemResolve,
): Promise<string[]> {
  const host = destination.host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    throw new EgressRefused(destination, `does not resolve (${(error as Error).message})`);
  }
  const verdict = egressVerdict(policy, destination, addresses);
  if (!verdict.allowed) {
    const what = verdict.address ? `${verdict.address} is ${verdict.addressClass}` : 'no address';
    throw new EgressRefused(destination, what);
  }
  return addresses;
}

/**
 * A `lookup` for http(s).request that answers only the addresses checked before, so the connection
 * goes where the policy looked, whatever DNS answers by then (no rebinding between check and use).
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return (_hostname, options, callback) => {
    if (options.all) return callback(null, entries);
    const wanted = options.family === 6 || options.family === 4 ? options.family : undefined;
    const entry = entries.find((candidate) => !wanted || candidate.family === wanted) ?? entries[0];
    callback(null, entry.address, entry.family);
  };
}
