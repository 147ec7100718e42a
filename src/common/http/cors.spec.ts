import { CORS_ORIGINS_PATTERN } from '../../config/cors-origins';
import { corsOptions, corsOrigins } from './cors';

describe('CORS_ALLOWED_ORIGINS', () => {
  it.each(['', '*', 'https://portal.example.eu', 'https://a.eu, http://localhost:3000'])(
    'accepts %j',
    (setting) => expect(CORS_ORIGINS_PATTERN.test(setting)).toBe(true),
  );

  it.each(['https://a.eu/path', 'portal.example.eu', '*, https://a.eu', 'https://a.eu,,'])(
    'refuses %j',
    (setting) => expect(CORS_ORIGINS_PATTERN.test(setting)).toBe(false),
  );

  it('reads the list; empty means no origin', () => {
    expect(corsOrigins('')).toEqual([]);
    expect(corsOrigins('https://a.eu, http://localhost:3000')).toEqual([
      'https://a.eu',
      'http://localhost:3000',
    ]);
    expect(corsOptions(['*']).origin).toBe('*');
    expect(corsOptions(['https://a.eu']).origin).toEqual(['https://a.eu']);
  });
});
