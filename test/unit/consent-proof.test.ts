/**
 * An opt-out or a subscription counts only when HubSpot's answer names the address. A 2xx batch answer that
 * leaves an address out (or has an empty body) sends that address again on its own; one email normaliser.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { canonicalEmail, normalizeEmail } from '../../src/core/contact.ts';
import { testSink } from './hubspot-fixtures.ts';

const PREFS = '/communication-preferences/2026-09';
const EMAIL_Q = { channel: 'EMAIL' };
afterAll(() => nock.restore());

const envelope = (results: unknown[]) => ({
  status: 'COMPLETE',
  results,
  startedAt: '2026-11-28T10:00:00Z',
  completedAt: '2026-11-28T10:00:01Z',
});
const named = (email: string) => ({ subscriberIdString: email, statuses: [] });

describe('opt-outs count only with proof', () => {
  it('sends an address the batch answer did not name on its own, and counts it only when that call succeeds', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, envelope([named('a@example.com')]))
      .post(`${PREFS}/statuses/b%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(400, { status: 'error', message: 'Invalid subscriber', category: 'VALIDATION_ERROR' });
    const results = await t.sink.unsubscribeAll(['a@example.com', 'b@example.com']);
    expect(scope.isDone()).toBe(true);
    expect(results).toEqual([
      { email: 'a@example.com', ok: true },
      { email: 'b@example.com', ok: false, reason: 'HubSpot refused (400): Invalid subscriber' },
    ]);
  });

  it('treats an empty 200 body as no proof: every address goes the per-address way', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, envelope([]))
      .post(`${PREFS}/statuses/a%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200)
      .post(`${PREFS}/statuses/b%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200);
    const results = await t.sink.unsubscribeAll(['a@example.com', 'b@example.com']);
    expect(scope.isDone()).toBe(true);
    expect(results).toEqual([
      { email: 'a@example.com', ok: true },
      { email: 'b@example.com', ok: true },
    ]);
  });

  it('counts a subscription only when the batch answer names the address', async () => {
    const t = testSink({ config: { subscriptionId: '1234567' } });
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/write`)
      .reply(
        200,
        envelope([{ subscriberIdString: 'a@example.com', status: 'SUBSCRIBED', subscriptionId: 1234567 }]),
      )
      .post(`${PREFS}/statuses/b%40example.com`)
      .reply(
        200,
        envelope([{ subscriberIdString: 'b@example.com', status: 'SUBSCRIBED', subscriptionId: 1234567 }]),
      );
    const results = await t.sink.subscribe([
      { email: 'a@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
      { email: 'b@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
    ]);
    expect(scope.isDone()).toBe(true);
    expect(results).toEqual([
      { email: 'a@example.com', ok: true },
      { email: 'b@example.com', ok: true },
    ]);
  });
});

describe('one email normaliser', () => {
  it.each([
    ['  Jane@Example.COM ', 'jane@example.com'],
    // A decomposed é (e + combining accent) and a composed one are one address.
    ['re\u0301my@example.com', 'r\u00e9my@example.com'],
    ['r\u00e9my@example.com', 'r\u00e9my@example.com'],
  ])('%j → %j', (raw, expected) => {
    expect(canonicalEmail(raw)).toBe(expected);
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([
    ['a zero-width space', 'jane\u200b@example.com'],
    ['a zero-width joiner', 'ja\u200dne@example.com'],
    ['a left-to-right mark', 'jane@exa\u200emple.com'],
    ['a soft hyphen', 'ja\u00adne@example.com'],
  ])('an address with %s is invalid', (_what, raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });
});
