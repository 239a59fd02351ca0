/** verify's CSV: one row per difference, safe to open in a spreadsheet. */
import { describe, expect, it } from '@jest/globals';
import { verifyCsv } from '../../src/verify/format.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';

const report = (differences: VerifyReport['differences']): VerifyReport => ({
  checkedAt: '2026-01-01T00:00:00.000Z',
  sources: ['mailchimp'],
  audiences: [],
  records: { read: 1, contacts: 1, skipped: 0, failed: 0 },
  people: 1,
  counts: {
    optOutMissing: 0,
    consentUnreadable: 0,
    subscribedWithoutConsent: 0,
    missingContact: 0,
    propertiesDiffer: 0,
  },
  unlisted: {},
  ok: true,
  differences,
});

describe('verify --csv', () => {
  it('quotes commas and quotes, and defuses a leading formula character', () => {
    const csv = verifyCsv(
      report([
        {
          kind: 'propertiesDiffer',
          email: '=cmd@example.com',
          keys: ['mailchimp:a:1', 'constant-contact:2'],
          detail: '2 properties differ: firstname, "city"',
        },
      ]),
    );
    expect(csv).toBe(
      'kind,email,detail,keys\n' +
        `propertiesDiffer,'=cmd@example.com,"2 properties differ: firstname, ""city""",mailchimp:a:1 constant-contact:2\n`,
    );
  });
});
