import { ifMatchAllows, revisionEtag } from './if-match';

describe('If-Match against the revision ETag', () => {
  it('the ETag is the revision as a strong entity tag', () => {
    expect(revisionEtag(7)).toBe('"7"');
  });

  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['*', true],
    ['"3"', true],
    ['"1", "3"', true],
    ['"2"', false],
    ['W/"3"', false],
    ['3', false],
    ['"33"', false],
    ['', false],
  ])('If-Match %p on revision 3 → %p', (header, allowed) => {
    expect(ifMatchAllows(header, 3)).toBe(allowed);
  });
});
