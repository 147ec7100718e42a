/**
 * Size limits shared by validation (class-validator) and the OpenAPI document, so the contract
 * states exactly what the code enforces. test/unit/declared-bounds.spec.ts checks
 * that every bound the document declares is the one validation applies.
 */

/** The largest PostgreSQL `integer`: database ids and the counts stored beside them fit in it. */
export const INT32_MAX = 2_147_483_647;

/** A database id (serial `integer` column): 1 … 2³¹−1. */
export const ID_SCHEMA = {
  type: 'integer',
  format: 'int32',
  minimum: 1,
  maximum: INT32_MAX,
} as const;

/** A count or size stored in an `integer` column. */
export const COUNT_SCHEMA = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: INT32_MAX,
} as const;

/** Timestamps as the API writes them (`toISOString()`: 24 characters, 27 with microseconds). */
export const TIMESTAMP_SCHEMA = { type: 'string', format: 'date-time', maxLength: 32 } as const;

/** sha256 in hex, as package digests are stored. */
export const SHA256_HEX_SCHEMA = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  minLength: 64,
  maxLength: 64,
} as const;

/** A digest as answers show it: `sha256:` and 64 hex digits. */
export const PREFIXED_SHA256_SCHEMA = {
  type: 'string',
  pattern: '^sha256:[0-9a-f]{64}$',
  minLength: 71,
  maxLength: 71,
} as const;

/** An instance revision: 1 on creation, +1 per upgrade or rollback. */
export const REVISION_SCHEMA = {
  type: 'integer',
  format: 'int32',
  minimum: 1,
  maximum: INT32_MAX,
} as const;

/** The length of the longest value: the maxLength of a nullable enum (its `type: string` sibling). */
export function longestOf(values: readonly string[]): number {
  return Math.max(...values.map((value) => value.length));
}

/** Kubernetes names: a DNS-1123 label (namespaces, chart names) and a DNS-1123 subdomain. */
export const DNS_LABEL_MAX_LENGTH = 63;
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

/** Free-text descriptions and reasons a client sends. */
export const DESCRIPTION_MAX_LENGTH = 2000;

/** Why onboarding rejected a package: longer tool output is cut to this. */
export const REJECTION_REASON_MAX_LENGTH = 4000;

/**
 * Token claims (subject, tenant) have no limit of their own: they arrive inside the Authorization
 * header, and Node refuses a request whose header section exceeds 16 KiB (431).
 */
export const CLAIM_MAX_LENGTH = 16_384;

/** `?page=`: beyond this the offset scan costs more than any real client needs. */
export const MAX_PAGE = 1_000_000;
