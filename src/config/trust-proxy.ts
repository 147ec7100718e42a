import { ValidateBy } from 'class-validator';
import { isIP } from 'node:net';

/** Express's names for address ranges, accepted in HTTP_TRUST_PROXY lists. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** What Express's `trust proxy` gets: trust nothing, a hop count, or the proxies' addresses. */
export type TrustProxy = false | number | string[];

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function entries(spec: string): string[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * HTTP_TRUST_PROXY: empty (the default) trusts no proxy, so X-Forwarded-For is ignored and the
 * client is the TCP peer; a number trusts that many proxy hops in front of the API; a list trusts
 * X-Forwarded-For only from those addresses, CIDR ranges or named ranges.
 */
export function parseTrustProxy(spec: string): TrustProxy {
  const trimmed = spec.trim();
  if (trimmed === '') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) === 0 ? false : Number(trimmed);
  return entries(trimmed);
}

export function isTrustProxySpec(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  if (trimmed === '' || /^\d{1,2}$/.test(trimmed)) return true;
  const list = entries(trimmed);
  return list.length > 0 && list.every(isAddressOrRange);
}

export function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: isTrustProxySpec,
      defaultMessage: () =>
        'must be empty (trust no proxy), a hop count (0-99) or a comma-separated list of proxy ' +
        'addresses, CIDR ranges or loopback/linklocal/uniquelocal',
    },
  });
}
