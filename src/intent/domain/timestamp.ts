const MICROS_PER_SECOND = 1_000_000n;

/**
 * ISO-8601 UTC with exactly six fractional digits and `Z` (e.g. `2024-07-09T14:17:36.590890Z`), from
 * microseconds since the epoch. PostgreSQL keeps microseconds; a JS Date would drop three digits,
 * so the database hands over the integer and this formats it.
 */
export function formatMicroTimestamp(epochMicros: bigint | string): string {
  const micros = BigInt(epochMicros);
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += MICROS_PER_SECOND;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(6, '0')}Z`;
}

/** The SQL expression giving a timestamptz column as integer microseconds since the epoch (text). */
export function epochMicrosSql(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}
