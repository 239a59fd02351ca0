import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { outcomeOf } from '../../src/workers/write-batch.ts';

const base: SourceContact = {
  key: 'k',
  source: 'mailchimp',
  sourceId: 'k',
  email: 'a@example.com',
  sourceStatus: 'unsubscribed',
  consent: { state: 'optOut', reason: 'unsubscribed' },
  properties: {},
  changedAt: null,
};
const none: SourceContact = { ...base, sourceStatus: 'pending', consent: { state: 'none' } };
const created = { key: 'k', email: 'a@example.com', ok: true as const, hubspotId: '1', created: true };
const refused = { key: 'k', email: 'a@example.com', ok: false as const, reason: 'bad value' };

describe('outcomeOf (one changed record in a write batch)', () => {
  it.each([
    [
      'created contact, no opt-out',
      none,
      created,
      true,
      undefined,
      { outcome: 'created', consent: null, reason: null },
    ],
    [
      'updated contact',
      none,
      { ...created, created: false },
      true,
      undefined,
      { outcome: 'updated', consent: null, reason: null },
    ],
    [
      'refused contact',
      none,
      refused,
      true,
      undefined,
      { outcome: 'failed', consent: null, reason: 'bad value' },
    ],
    [
      'owner without a result',
      none,
      undefined,
      true,
      undefined,
      { outcome: 'failed', consent: null, reason: 'HubSpot returned no result for this record' },
    ],
    [
      'not the owner',
      none,
      undefined,
      false,
      undefined,
      {
        outcome: 'unchanged',
        consent: null,
        reason: 'a more recently changed record of this email set its properties',
      },
    ],
    [
      'opt-out written',
      base,
      created,
      true,
      { ok: true },
      { outcome: 'created', consent: 'optedOut', reason: null },
    ],
    [
      'opt-out written, properties refused',
      base,
      refused,
      true,
      { ok: true },
      { outcome: 'failed', consent: 'optedOut', reason: 'bad value' },
    ],
    [
      'opt-out refused',
      base,
      created,
      true,
      { ok: false, reason: '400' },
      { outcome: 'failed', consent: null, reason: 'opt-out not written: 400' },
    ],
    [
      'opt-out without a result',
      base,
      created,
      true,
      undefined,
      { outcome: 'failed', consent: null, reason: 'opt-out not written: no result from HubSpot' },
    ],
  ])('%s', (_name, record, upsert, owner, optOut, expected) => {
    expect(outcomeOf(record, upsert, owner, optOut)).toEqual(expected);
  });
});
