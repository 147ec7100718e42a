import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which destinations an outbound connection on behalf of a tenant (an image's registry, a token
 * realm, later a webhook) may reach. Public unicast addresses are allowed; every other class is
 * refused unless the operator allowed it. Pure: the caller resolves names and asks with the
 * resolved addresses, then connects to exactly those (so DNS cannot switch them afterwards).
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved';

/** An operator's exception: an address range (any or one port) or a host name (any or one port). */
export type EgressAllowance =
  | { kind: 'range'; family: 4 | 6; network: bigint; prefix: number; port?: number }
  | { kind: 'name'; name: string; port?: number };

export interface EgressPolicy {
  readonly allowances: readonly EgressAllowance[];
}

export interface EgressDestination {
  /** Host name or IP literal (IPv6 without brackets), as the reference names it. */
  host: string;
  port: number;
}

export type EgressVerdict =
  { allowed: true } | { allowed: false; address?: string; addressClass?: AddressClass };

export class EgressListError extends Error {}

export const OPEN_EGRESS: EgressPolicy = { allowances: [] };

/**
 * Reads a comma-separated allow list: `10.0.0.0/8`, `fd00::/8`, `127.0.0.1`, `127.0.0.1:55000`,
 * `[::1]:5000`, `registry.internal`, `registry.internal:5000`. Throws EgressListError naming the
 * first bad entry.
 */
export function parseEgressAllowList(text: string): EgressPolicy {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return { allowances: entries.map(parseAllowance) };
}

/** The reason an allow list is malformed, or undefined when it is fine (config validation). */
export function egressAllowListProblem(text: string): string | undefined {
  try {
    parseEgressAllowList(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Allowed when the host name itself is allowed, or when every address it resolved to is public or
 * inside an allowed range: one private address among public ones refuses the destination, since
 * the connecting side may pick any of them.
 */
export function egressVerdict(
  policy: EgressPolicy,
  destination: EgressDestination,
  addresses: readonly string[],
): EgressVerdict {
  const host = unbracket(destination.host).toLowerCase();
  const byName = policy.allowances.some(
    (allowance) =>
      allowance.kind === 'name' &&
      allowance.name === host &&
      (allowance.port === undefined || allowance.port === destination.port),
  );
  if (byName) return { allowed: true };
  if (addresses.length === 0) return { allowed: false };
  for (const address of addresses) {
    const addressClass = classifyAddress(address);
    if (addressClass === 'public') continue;
    if (!inAllowedRange(policy, address, destination.port))
      return { allowed: false, address, addressClass };
  }
  return { allowed: true };
}

/** The class of an IPv4 or IPv6 address; IPv4 embedded in IPv6 (mapped, NAT64, 6to4) as IPv4. */
export function classifyAddress(address: string): AddressClass {
  const parsed = parseAddress(address);
  if (!parsed) return 'reserved';
  return parsed.family === 4 ? classifyV4(parsed.value) : classifyV6(parsed.value);
}

interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

const V4_CLASSES: Array<[string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6_CLASSES: Array<[string, number, AddressClass]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private'],
  ['100::', 64, 'reserved'],
  ['2001::', 32, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'],
  ['ff00::', 8, 'multicast'],
];

/** IPv6 prefixes whose low bits carry an IPv4 address: [prefix, length, shift of the IPv4 part]. */
const V6_EMBEDDING_V4: Array<[string, number, bigint]> = [
  ['::ffff:0:0', 96, 0n],
  ['::', 96, 0n],
  ['64:ff9b::', 96, 0n],
  ['2002::', 16, 80n],
];

const V4_TABLE = V4_CLASSES.map(
  ([network, prefix, addressClass]) => [v4Value(network), prefix, addressClass] as const,
);
const V6_TABLE = V6_CLASSES.map(
  ([network, prefix, addressClass]) => [v6Value(network), prefix, addressClass] as const,
);
const V6_EMBEDDED = V6_EMBEDDING_V4.map(
  ([network, prefix, shift]) => [v6Value(network), prefix, shift] as const,
);
const GLOBAL_UNICAST_V6 = v6Value('2000::');

function classifyV4(value: bigint): AddressClass {
  const match = V4_TABLE.find(([network, prefix]) => contains(network, prefix, value, 32));
  return match ? match[2] : 'public';
}

function classifyV6(value: bigint): AddressClass {
  const match = V6_TABLE.find(([network, prefix]) => contains(network, prefix, value, 128));
  if (match) return match[2];
  const embedding = V6_EMBEDDED.find(([network, prefix]) => contains(network, prefix, value, 128));
  if (embedding) return classifyV4((value >> embedding[2]) & 0xffffffffn);
  return contains(GLOBAL_UNICAST_V6, 3, value, 128) ? 'public' : 'reserved';
}

function inAllowedRange(policy: EgressPolicy, address: string, port: number): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  const candidates = [parsed, ...embeddedV4(parsed)];
  return policy.allowances.some(
    (allowance) =>
      allowance.kind === 'range' &&
      (allowance.port === undefined || allowance.port === port) &&
      candidates.some(
        (candidate) =>
          candidate.family === allowance.family &&
          contains(
            allowance.network,
            allowance.prefix,
            candidate.value,
            candidate.family === 4 ? 32 : 128,
          ),
      ),
  );
}

/** `::ffff:127.0.0.1` is allowed by an allowance for 127.0.0.1, as it reaches the same socket. */
function embeddedV4(parsed: ParsedAddress): ParsedAddress[] {
  if (parsed.family === 4) return [];
  const embedding = V6_EMBEDDED.find(([network, prefix]) =>
    contains(network, prefix, parsed.value, 128),
  );
  return embedding ? [{ family: 4, value: (parsed.value >> embedding[2]) & 0xffffffffn }] : [];
}

function contains(network: bigint, prefix: number, value: bigint, width: number): boolean {
  const shift = BigInt(width - prefix);
  return value >> shift === network >> shift;
}

function parseAllowance(entry: string): EgressAllowance {
  const fail = (why: string): never => {
    throw new EgressListError(`"${entry.slice(0, 100)}" ${why}`);
  };
  const slash = entry.indexOf('/');
  if (slash !== -1) {
    const address = parseAddress(entry.slice(0, slash));
    const prefixText = entry.slice(slash + 1);
    if (!address) return fail('is not an address range (CIDR)');
    const width = address.family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width)
      return fail(`has a prefix length outside 0-${width}`);
    return { kind: 'range', ...address, network: address.value, prefix: Number(prefixText) };
  }
  const { host, port } = splitPort(entry, fail);
  const address = parseAddress(host);
  if (address) {
    const width = address.family === 4 ? 32 : 128;
    return { kind: 'range', family: address.family, network: address.value, prefix: width, port };
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host))
    return fail('is neither an address, an address range nor a host name');
  return { kind: 'name', name: host.toLowerCase(), port };
}

function splitPort(entry: string, fail: (why: string) => never): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: portOf(bracketed[2], fail) };
  if (isIPv6(entry)) return { host: entry };
  const colon = entry.lastIndexOf(':');
  if (colon === -1) return { host: entry };
  return { host: entry.slice(0, colon), port: portOf(entry.slice(colon + 1), fail) };
}

function portOf(text: string | undefined, fail: (why: string) => never): number | undefined {
  if (text === undefined) return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) return fail('has a port outside 1-65535');
  return port;
}

function parseAddress(text: string): ParsedAddress | undefined {
  const address = unbracket(text).replace(/%.*$/, '');
  if (isIPv4(address)) return { family: 4, value: v4Value(address) };
  if (isIPv6(address)) return { family: 6, value: v6Value(address) };
  return undefined;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function v4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** An IPv6 literal (already checked by isIPv6) as a 128-bit number; a dotted IPv4 tail included. */
function v6Value(address: string): bigint {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  let text = address;
  if (tail.includes('.')) {
    const v4 = v4Value(tail);
    text = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groups = (part: string | undefined): string[] =>
    part === undefined || part === '' ? [] : part.split(':');
  const left = groups(head);
  const right = groups(rest);
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].reduce(
    (value, group) => (value << 16n) | BigInt(parseInt(group, 16)),
    0n,
  );
}
