import { types } from 'pg';
import { parseTimestamptz, PG_TYPES, readUtcTimestamp } from './timestamptz';

/** Dates as pg's own parser reads them: the reference. */
const pgReads = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text');

describe('parseTimestamptz', () => {
  it('reads every millisecond and fraction length as pg does', () => {
    const texts = [
      '2026-12-03 09:12:11+00',
      '1000-01-01 00:00:00+00',
      '9999-12-31 23:59:59.999999+00',
    ];
    for (let ms = 0; ms < 1000; ms++) {
      const three = String(ms).padStart(3, '0');
      texts.push(`2026-02-28 23:59:59.${three}+00`, `2024-02-29 00:00:00.${three}917+00`);
    }
    for (const fraction of ['5', '05', '055', '0553', '05533', '055339'])
      texts.push(`2001-07-15 12:30:45.${fraction}+00`);
    for (const text of texts) {
      expect([text, readUtcTimestamp(text)]).toEqual([text, pgReads(text)]);
      expect(parseTimestamptz(text)).toEqual(pgReads(text));
    }
  });

  it('leaves what is not a UTC timestamp of years 1000-9999 to pg', () => {
    const others = [
      '2026-12-03 09:12:11.5+05:30',
      '2026-12-03 09:12:11-08',
      '0099-01-01 00:00:00+00',
      '0044-03-15 12:00:00+00 BC',
      '12345-01-01 00:00:00+00',
      'infinity',
      '-infinity',
      '2026-12-03 09:12:11.+00',
      '2026-1x-03 09:12:11+00',
    ];
    for (const text of others)
      expect([text, parseTimestamptz(text)]).toEqual([text, pgReads(text)]);
  });

  it('is the pool parser for timestamptz text only', () => {
    const { TIMESTAMPTZ, TIMESTAMP, INT4 } = types.builtins;
    expect(PG_TYPES.getTypeParser(TIMESTAMPTZ, 'text')).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(TIMESTAMPTZ)).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(TIMESTAMPTZ, 'binary')).toBe(
      types.getTypeParser(TIMESTAMPTZ, 'binary'),
    );
    expect(PG_TYPES.getTypeParser(TIMESTAMP, 'text')).toBe(types.getTypeParser(TIMESTAMP, 'text'));
    expect(PG_TYPES.getTypeParser(INT4, 'text')).toBe(types.getTypeParser(INT4, 'text'));
  });
});
