import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { fingerprint } from '../../src/run/fingerprint.ts';

/**
 * Fingerprints are stored in the ledger: a digest that changed between versions would make every record look
 * changed and the next sync after an upgrade would write them all again. These values were computed by the
 * createHash() version of fingerprint().
 */
describe('fingerprint digests stay the same across versions', () => {
  const subscribed: SourceContact = {
    key: 'mailchimp:a:1',
    source: 'mailchimp',
    sourceId: '1',
    email: 'zoë@example.com',
    sourceStatus: 'subscribed',
    consent: { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
    properties: { lastname: 'Ünal', firstname: 'Zoë', esp_tags: 'a;🎉' },
    changedAt: null,
  };

  it('a subscribed record with non-ASCII properties in any order', () => {
    expect(fingerprint(subscribed)).toBe('C8l_ndGuJ867ZbGCdlhTdb');
  });

  it('an opt-out without properties', () => {
    expect(fingerprint({ ...subscribed, consent: { state: 'optOut', reason: 'x' }, properties: {} })).toBe(
      'iK0cuNOIEM0FWp8PjvMlF8',
    );
  });
});
