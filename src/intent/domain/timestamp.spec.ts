import { formatMicroTimestamp } from './timestamp';

describe('microsecond timestamps', () => {
  it('formats the seed examples exactly', () => {
    expect(formatMicroTimestamp('1720534656590890')).toBe('2024-07-09T14:17:36.590890Z');
    expect(formatMicroTimestamp(1729507415982522n)).toBe('2024-10-21T10:43:35.982522Z');
  });

  it('keeps six digits, trailing and leading zeros included', () => {
    expect(formatMicroTimestamp('1720534656000000')).toBe('2024-07-09T14:17:36.000000Z');
    expect(formatMicroTimestamp('1720534656000001')).toBe('2024-07-09T14:17:36.000001Z');
    expect(formatMicroTimestamp('0')).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('handles instants before the epoch', () => {
    expect(formatMicroTimestamp('-1')).toBe('1969-12-31T23:59:59.999999Z');
  });
});
