import { ingressPathProblem, MAX_INGRESS_PATH_LENGTH } from './ingress-path';

describe('ingressPathProblem', () => {
  it.each([
    '/',
    '/api',
    '/api/v2/',
    '/a.b/c-d/e_f/~g',
    '/%C3%A9t%C3%A9',
    '/.well-known/x',
    '/a..b',
    `/${'a'.repeat(MAX_INGRESS_PATH_LENGTH - 1)}`,
  ])('accepts %p', (path) => {
    expect(ingressPathProblem(path)).toBeUndefined();
  });

  it.each([
    ['', 'must be an absolute path'],
    ['api', 'must be an absolute path'],
    ['/x;}} location /admin {deny all;} #', 'may only contain'],
    ['/a\nb', 'may only contain'],
    ['/a\rb', 'may only contain'],
    ['/a b', 'may only contain'],
    ['/a"b', 'may only contain'],
    ["/a'b", 'may only contain'],
    ['/a$b', 'may only contain'],
    ['/a\\b', 'may only contain'],
    ['/api(/|$)(.*)', 'may only contain'],
    ['/a?b=c', 'may only contain'],
    ['/a#b', 'may only contain'],
    ['/a*', 'may only contain'],
    ['/a^b', 'may only contain'],
    ['/é', 'may only contain'],
    ['/a\u0000', 'may only contain'],
    ['/a%', 'not followed by two hex digits'],
    ['/a%4', 'not followed by two hex digits'],
    ['/a%g0', 'not followed by two hex digits'],
    ['/a%2fb', 'the escape "%2f"'],
    ['/a%2E%2E/b', 'the escape "%2E"'],
    ['/a%5Cb', 'the escape "%5C"'],
    ['/a%0Ab', 'the escape "%0A"'],
    ['/a%00', 'the escape "%00"'],
    ['/a%7f', 'the escape "%7f"'],
    ['//a', 'must not contain "//"'],
    ['/a//', 'must not contain "//"'],
    ['/..', 'a ".." segment'],
    ['/a/../b', 'a ".." segment'],
    ['/a/./b', 'a "." segment'],
    ['/a/.', 'a "." segment'],
    [`/${'a'.repeat(MAX_INGRESS_PATH_LENGTH)}`, `longer than ${MAX_INGRESS_PATH_LENGTH}`],
  ])('refuses %p', (path, reason) => {
    expect(ingressPathProblem(path)).toContain(reason);
  });

  it('quotes a long refused path shortened, never whole', () => {
    const reason = ingressPathProblem(`/${'x'.repeat(5000)};`) ?? '';
    expect(reason.length).toBeLessThan(200);
  });
});
