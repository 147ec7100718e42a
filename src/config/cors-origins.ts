/** One origin: scheme, host and optional port, nothing after (browsers send exactly this). */
const ORIGIN = String.raw`https?://[A-Za-z0-9.\-\[\]:]+`;

/** CORS_ALLOWED_ORIGINS: empty (no origin), `*` (any), or comma-separated origins. */
export const CORS_ORIGINS_PATTERN = new RegExp(String.raw`^(|\*|${ORIGIN}(\s*,\s*${ORIGIN})*)$`);
