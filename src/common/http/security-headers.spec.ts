import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { helmetHeaders, securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('sets what helmet itself sets on a real request', async () => {
    const direct = express().use(helmet(), (_req, res) => res.end());
    const ours = express().use(securityHeaders(), (_req, res) => res.end());
    const [expected, actual] = await Promise.all([
      request(direct).get('/'),
      request(ours).get('/'),
    ]);
    for (const name of ['strict-transport-security', 'x-content-type-options', 'x-frame-options'])
      expect(actual.headers[name]).toBe(expected.headers[name]);
    expect(actual.headers['content-security-policy']).toContain("script-src 'self'");
    expect(actual.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('asks helmet once for a fixed list', () => {
    const names = helmetHeaders().map(([name]) => name.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['content-security-policy', 'x-frame-options']));
  });
});
