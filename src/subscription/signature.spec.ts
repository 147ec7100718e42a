import { newSecret, signBody, verifySignature } from './signature';

describe('webhook signatures', () => {
  const secret = newSecret();
  const body = '{"id":"1","data":{"x":1}}';

  it('verifies the signature of the exact body', () => {
    expect(verifySignature(secret, body, signBody(secret, body))).toBe(true);
    expect(signBody(secret, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('refuses another body, another secret or a malformed header', () => {
    expect(verifySignature(secret, `${body} `, signBody(secret, body))).toBe(false);
    expect(verifySignature(newSecret(), body, signBody(secret, body))).toBe(false);
    expect(verifySignature(secret, body, 'sha256=00')).toBe(false);
    expect(verifySignature(secret, body, '')).toBe(false);
  });

  it('gives every subscription its own 256-bit secret', () => {
    expect(newSecret()).not.toBe(secret);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64url')).toHaveLength(32);
  });
});
