import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/** The response headers a browser script may read besides the CORS-safelisted ones. */
export const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'WWW-Authenticate'];

/** The allowed origins of CORS_ALLOWED_ORIGINS: `[]` for none, `['*']` for any. */
export function corsOrigins(setting: string): string[] {
  return setting
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
}

/**
 * How the API answers browsers: `Access-Control-Allow-Origin` only for an allowed origin (echoed,
 * with `Vary: Origin`), or `*` when any is allowed. No credentials mode: the API authenticates
 * with bearer tokens, never with cookies.
 */
export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'Accept'],
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
  };
}
