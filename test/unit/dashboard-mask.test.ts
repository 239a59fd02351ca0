/** The dashboard shows no address in full, whatever shape the source gave it. */
import { describe, expect, it } from '@jest/globals';
import { maskAddress, maskText } from '../../src/dashboard/mask.ts';

describe('dashboard masking', () => {
  it.each([
    ['jane.doe@example.com', 'j***@e***.com'],
    ['two@@example.com', 't***@***'],
    ['jane@example', 'j***@***'],
    ['not-an-email', 'n***'],
    [null, ''],
  ])('the address column %j → %j', (value, shown) => {
    expect(maskAddress(value)).toBe(shown);
  });

  it.each([
    ['invalid email address "not-an-email"', 'invalid email address "n***"'],
    ['invalid email address "two@@example.com"', 'invalid email address "t***"'],
    ['opt-out of jane@example.com refused', 'opt-out of j***@e***.com refused'],
    ['address changed from a@@b.c', 'address changed from a***@***'],
  ])('a reason %j → %j', (text, shown) => {
    expect(maskText(text)).toBe(shown);
  });
});
