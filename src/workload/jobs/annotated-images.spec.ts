import { annotatedImages, IMAGES_ANNOTATION } from './annotated-images';
import { Rejection } from './rejection';

const chart = (annotation?: unknown) => ({
  name: 'shop',
  version: '1.0.0',
  ...(annotation === undefined ? {} : { annotations: { [IMAGES_ANNOTATION]: annotation } }),
});

describe('annotatedImages', () => {
  it('reads the images of the list, each once, in order', () => {
    const text = [
      '- name: app',
      '  image: quay.io/shop/app:1.2',
      '- name: migrate',
      '  image: docker.io/shop/migrate@sha256:' + 'a'.repeat(64),
      '  whitelisted: true',
      '- name: again',
      '  image: quay.io/shop/app:1.2',
    ].join('\n');
    expect(annotatedImages(chart(text), 10)).toEqual([
      'quay.io/shop/app:1.2',
      `docker.io/shop/migrate@sha256:${'a'.repeat(64)}`,
    ]);
  });

  it('declares nothing without annotations, without the annotation or with an empty one', () => {
    expect(annotatedImages({ name: 'shop', version: '1.0.0' }, 10)).toEqual([]);
    expect(annotatedImages(chart(), 10)).toEqual([]);
    expect(annotatedImages(chart(''), 10)).toEqual([]);
  });

  it.each([
    ['a mapping, not a list', 'name: app\nimage: x:1', /must be a YAML list/],
    ['not YAML', '- [unclosed', /is not valid YAML/],
    ['an entry without image', '- name: app', /entry 0: image must be a non-empty string/],
    ['a scalar entry', '- nginx:1', /entry 0 must be a mapping/],
    ['a numeric name', '- name: 5\n  image: x:1', /entry 0: name must be a string/],
    ['a long name', `- name: ${'n'.repeat(254)}\n  image: x:1`, /at most 253 characters/],
    ['a long image', `- image: ${'x'.repeat(513)}`, /longer than 512 characters/],
    ['whitelisted not boolean', '- image: x:1\n  whitelisted: "yes"', /whitelisted must be/],
  ])('refuses %s', (_case, text, reason) => {
    expect(() => annotatedImages(chart(text), 10)).toThrow(Rejection);
    expect(() => annotatedImages(chart(text), 10)).toThrow(reason);
  });

  it('refuses a non-string annotation', () => {
    expect(() => annotatedImages(chart(['x:1']), 10)).toThrow(/must be a string/);
  });

  it('refuses more entries than IMAGE_MAX_PER_CHART', () => {
    const text = ['a:1', 'b:1', 'c:1'].map((image) => `- image: ${image}`).join('\n');
    expect(annotatedImages(chart(text), 3)).toHaveLength(3);
    expect(() => annotatedImages(chart(text), 2)).toThrow(
      /lists 3 images; at most 2 are mirrored per chart/,
    );
  });
});
