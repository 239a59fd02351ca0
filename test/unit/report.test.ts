import { describe, expect, it } from '@jest/globals';
import { csvHeader, csvLine, matchesFilter } from '../../src/run/report.ts';
import type { RecordRow } from '../../src/run/types.ts';

const row: RecordRow = {
  key: 'mailchimp:a:1',
  source: 'mailchimp',
  email: 'ann@example.com',
  sourceStatus: 'unsubscribed',
  outcome: 'updated',
  consent: 'optedOut',
  reason: null,
};

describe('report rows', () => {
  it('writes CSV with quoting and no formula injection', () => {
    expect(csvHeader()).toBe('email,source,sourceStatus,outcome,consent,reason,key');
    expect(csvLine(row)).toBe('ann@example.com,mailchimp,unsubscribed,updated,optedOut,,mailchimp:a:1');
    const tricky = { ...row, reason: 'bad "value", see\nlog', email: '=cmd()' };
    expect(csvLine(tricky)).toBe(
      `'=cmd(),mailchimp,unsubscribed,updated,optedOut,"bad ""value"", see\nlog",mailchimp:a:1`,
    );
  });

  it('filters by outcome and by opt-out', () => {
    expect(matchesFilter(row, 'optedOut')).toBe(true);
    expect(matchesFilter({ ...row, consent: 'keptOptedOut' }, 'optedOut')).toBe(true);
    expect(matchesFilter({ ...row, consent: 'subscribed' }, 'optedOut')).toBe(false);
    expect(matchesFilter(row, 'failed')).toBe(false);
    expect(matchesFilter({ ...row, outcome: 'failed' }, 'failed')).toBe(true);
    expect(matchesFilter(row, undefined)).toBe(true);
  });
});
