import type { HeaderObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';

/**
 * The response headers of the contract, declared once as `components.headers` and referenced from
 * every response that carries them (finalize-document.ts decides which).
 */
export const RESPONSE_HEADERS: Readonly<Record<string, HeaderObject>> = {
  'Access-Control-Allow-Origin': {
    description:
      'CORS: sent only when the request has an `Origin` listed in CORS_ALLOWED_ORIGINS (echoed, with ' +
      '`Vary: Origin`), or `*` when that setting is `*`. By default no origin is allowed and the header ' +
      'is never sent.',
    schema: { type: 'string', maxLength: 2048, example: 'https://portal.example.eu' },
  },
  RateLimit: {
    description:
      'Rate-limit state (draft-ietf-httpapi-ratelimit-headers), one item per window: `r` requests ' +
      'remaining, `t` seconds until the window resets. Sent by every route that needs a token.',
    schema: { type: 'string', maxLength: 256, example: '"burst";r=49;t=1, "minute";r=598;t=58' },
  },
  'RateLimit-Policy': {
    description:
      'The windows the rate limit counts (draft-ietf-httpapi-ratelimit-headers): `q` requests per ' +
      '`w` seconds, per client (RATE_LIMIT_BURST per second, RATE_LIMIT_PER_MINUTE per minute).',
    schema: { type: 'string', maxLength: 256, example: '"burst";q=50;w=1, "minute";q=600;w=60' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
  },
  'WWW-Authenticate': {
    description:
      'RFC 6750 challenge, e.g. `Bearer realm="nemo-intent-api", error="invalid_token"`.',
    schema: { type: 'string', maxLength: 1024 },
  },
};

type HeaderName = keyof typeof RESPONSE_HEADERS & string;

const reference = (name: HeaderName): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/**
 * The headers one response of an operation carries: CORS on every answer; the rate-limit state
 * on every 2xx and 4xx of a rate-limited (token-protected) route; Retry-After on 429 and 503; the bearer
 * challenge on 401.
 */
export function responseHeaders(
  status: string,
  rateLimited: boolean,
): Record<string, ReferenceObject> {
  const names: HeaderName[] = ['Access-Control-Allow-Origin'];
  if (rateLimited && /^[24]/.test(status)) names.push('RateLimit', 'RateLimit-Policy');
  if (status === '429' || status === '503') names.push('Retry-After');
  if (status === '401') names.push('WWW-Authenticate');
  return Object.fromEntries(names.map((name) => [name, reference(name)]));
}

/** Adds the contract's headers to a response, keeping any it declares itself. */
export function withResponseHeaders(
  response: ResponseObject,
  status: string,
  rateLimited: boolean,
): ResponseObject {
  return { ...response, headers: { ...responseHeaders(status, rateLimited), ...response.headers } };
}
