import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-nemo-signature';
export const DELIVERY_HEADER = 'x-nemo-delivery';
export const TIMESTAMP_HEADER = 'x-nemo-timestamp';

const PREFIX = 'sha256=';

/** A new subscription's signing key: 32 random bytes, shown once. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** `X-Nemo-Signature`: `sha256=` + hex HMAC-SHA256 of the exact body bytes with the secret. */
export function signBody(secret: string, body: string | Buffer): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/** The receiver's check, in constant time (README "Subscriptions" shows the same few lines). */
export function verifySignature(secret: string, body: string | Buffer, header: string): boolean {
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
