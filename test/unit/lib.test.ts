import { describe, expect, it } from '@jest/globals';
import { chunked } from '../../src/lib/chunked.ts';
import { nextUtcMidnight } from '../../src/lib/time.ts';

describe('nextUtcMidnight', () => {
  it.each([
    ['2026-11-28T13:45:00.000Z', '2026-11-29T00:00:00.000Z'],
    ['2026-11-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z'],
    ['2026-11-28T23:59:59.999Z', '2026-11-29T00:00:00.000Z'],
    ['2026-11-30T23:59:59.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12-31T20:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2028-02-28T10:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    // A local time zone must not matter: 23:30 in New York is already the next UTC day.
    ['2026-11-29T04:30:00.000Z', '2026-11-30T00:00:00.000Z'],
  ])('%s → %s', (now, expected) => {
    expect(nextUtcMidnight(new Date(now)).toISOString()).toBe(expected);
  });
});

describe('chunked', () => {
  it('slices in order, the last slice shorter', () => {
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunked([1, 2], 5)).toEqual([[1, 2]]);
    expect(chunked([], 3)).toEqual([]);
  });

  it('refuses a size that would never advance', () => {
    expect(() => chunked([1], 0)).toThrow(RangeError);
    expect(() => chunked([1], 1.5)).toThrow(RangeError);
  });
});
