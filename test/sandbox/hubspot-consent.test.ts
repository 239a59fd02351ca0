/**
 * The HubSpot simulator's communication preferences: v3 through the official SDK, v4 and 2026-09 through fetch.
 * Consent is the product, so these tests pin down that v3 refuses resubscribes, that v4 performs (and the
 * snapshot records) them, that opt-outs reach hs_email_optout, and that batch endpoints can be forbidden.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { createHubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import type { HubSpotSim, HubSpotSimOptions } from '../../src/sandbox/hubspot/index.ts';
import { serve, rejection } from './hubspot-harness.ts';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
// Raw HTTP bodies are asserted with expect(), the way a client without the SDK would see them.

const TOKEN = 'pat-na1-consent';
const MARKETING = '1001';

let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };
let client: Client;

const fresh = (options: Partial<HubSpotSimOptions> = {}): HubSpotSim =>
  createHubSpotSim({ accessTokens: [TOKEN], rateLimitPer10s: 0, dailyLimit: 0, ...options });

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const optedOut = 'gone@example.com';

beforeAll(async () => {
  sim = fresh();
  server = await serve(() => sim);
  client = new Client({ accessToken: TOKEN, basePath: server.url });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  sim = fresh();
  sim.seedContacts([
    { email: 'Contact@Example.com', properties: { firstname: 'C' } },
    { email: optedOut, optedOutOfAll: true },
    { email: 'typeout@example.com', subscriptions: { [MARKETING]: 'NOT_SUBSCRIBED' } },
  ]);
});

describe('v3 through the SDK', () => {
  it('lists the subscription definitions, Marketing Information (1001) first', async () => {
    const defs = await client.communicationPreferences.definitionApi.getPage();
    expect(defs.subscriptionDefinitions.map((d) => [d.id, d.name])).toEqual([
      ['1001', 'Marketing Information'],
      ['1002', 'One to One'],
    ]);
  });

  it('subscribes a new address once and refuses to subscribe it twice', async () => {
    const status = await client.communicationPreferences.statusApi.subscribe({
      emailAddress: 'contact@example.com',
      subscriptionId: MARKETING,
      legalBasis: 'CONSENT_WITH_NOTICE' as never,
      legalBasisExplanation: 'Signed up in Mailchimp',
    });
    expect(status).toMatchObject({
      id: MARKETING,
      status: 'SUBSCRIBED',
      sourceOfStatus: 'SUBSCRIPTION_STATUS',
    });
    const again = await rejection(
      client.communicationPreferences.statusApi.subscribe({
        emailAddress: 'contact@example.com',
        subscriptionId: MARKETING,
      }),
    );
    expect(again.code).toBe(400);
    expect(sim.snapshot().statuses['contact@example.com']?.subscriptions[MARKETING]).toMatchObject({
      status: 'SUBSCRIBED',
      legalBasis: 'CONSENT_WITH_NOTICE',
      legalBasisExplanation: 'Signed up in Mailchimp',
    });
  });

  it('refuses to resubscribe someone opted out of all email, and records the refused attempt', async () => {
    const err = await rejection(
      client.communicationPreferences.statusApi.subscribe({
        emailAddress: optedOut,
        subscriptionId: MARKETING,
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const status = await client.communicationPreferences.statusApi.getEmailStatus(optedOut);
    expect(status.subscriptionStatuses[0]).toMatchObject({
      status: 'NOT_SUBSCRIBED',
      sourceOfStatus: 'PORTAL_WIDE_STATUS',
    });
    const snap = sim.snapshot();
    expect(snap.statuses[optedOut]?.optedOutOfAll).toBe(true);
    expect(snap.history.resubscribeAttempts).toEqual([
      expect.objectContaining({ email: optedOut, outcome: 'REFUSED', reason: 'OPTED_OUT_OF_ALL', api: 'v3' }),
    ]);
  });

  it('refuses to resubscribe someone unsubscribed from that type', async () => {
    const err = await rejection(
      client.communicationPreferences.statusApi.subscribe({
        emailAddress: 'typeout@example.com',
        subscriptionId: MARKETING,
      }),
    );
    expect(err.code).toBe(400);
    expect(sim.snapshot().history.resubscribeAttempts[0]).toMatchObject({
      reason: 'UNSUBSCRIBED_FROM_TYPE',
      outcome: 'REFUSED',
    });
    const other = await client.communicationPreferences.statusApi.subscribe({
      emailAddress: 'typeout@example.com',
      subscriptionId: '1002',
    });
    expect(other.status).toBe('SUBSCRIBED');
  });

  it('unsubscribes an address that is not a contact and records that it was not one', async () => {
    const res = await client.communicationPreferences.statusApi.unsubscribe({
      emailAddress: 'Stranger@Example.com',
      subscriptionId: MARKETING,
    });
    expect(res.status).toBe('NOT_SUBSCRIBED');
    const snap = sim.snapshot();
    expect(snap.statuses['stranger@example.com']).toMatchObject({ isContact: false, optedOutOfAll: false });
    expect(snap.history.statusChanges).toEqual([
      expect.objectContaining({
        email: 'stranger@example.com',
        scope: MARKETING,
        to: 'NOT_SUBSCRIBED',
        wasContact: false,
        api: 'v3',
      }),
    ]);
    expect(snap.contacts.map((c) => c.email)).not.toContain('stranger@example.com');
    expect(
      (
        await rejection(
          client.communicationPreferences.statusApi.unsubscribe({
            emailAddress: 'stranger@example.com',
            subscriptionId: MARKETING,
          }),
        )
      ).code,
    ).toBe(400);
  });

  it('validates the subscription id, email and legal basis, and requires legal basis when privacy settings are on', async () => {
    expect(
      (
        await call('POST', '/communication-preferences/v3/subscribe', {
          emailAddress: 'a@example.com',
          subscriptionId: '42',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/communication-preferences/v3/subscribe', {
          emailAddress: 'nope',
          subscriptionId: MARKETING,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/communication-preferences/v3/subscribe', {
          emailAddress: 'a@example.com',
          subscriptionId: MARKETING,
          legalBasis: 'BECAUSE',
        })
      ).status,
    ).toBe(400);
    sim.setOptions({ requireLegalBasis: true });
    expect(
      (
        await call('POST', '/communication-preferences/v3/unsubscribe', {
          emailAddress: 'a@example.com',
          subscriptionId: MARKETING,
        })
      ).status,
    ).toBe(400);
    expect(sim.snapshot().history.statusChanges).toEqual([]);
  });
});

describe.each(['v4', '2026-09'])('%s statuses', (version) => {
  const base = `/communication-preferences/${version}`;

  it('reads one address only with channel=EMAIL', async () => {
    expect((await call('GET', `${base}/statuses/contact@example.com`)).status).toBe(400);
    const res = await call('GET', `${base}/statuses/contact@example.com?channel=EMAIL`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'COMPLETE' });
    expect(res.body.results[0]).toMatchObject({
      subscriberIdString: 'contact@example.com',
      subscriptionId: 1001,
      channel: 'EMAIL',
      status: 'NOT_SPECIFIED',
    });
  });

  it('sets one status and needs an integer subscriptionId and channel EMAIL', async () => {
    const body = { channel: 'EMAIL', statusState: 'SUBSCRIBED', subscriptionId: 1001 };
    expect(
      (await call('POST', `${base}/statuses/contact@example.com`, { ...body, subscriptionId: '1001' }))
        .status,
    ).toBe(400);
    expect(
      (await call('POST', `${base}/statuses/contact@example.com`, { ...body, channel: undefined })).status,
    ).toBe(400);
    const ok = await call('POST', `${base}/statuses/contact@example.com`, body);
    expect(ok.status).toBe(200);
    expect(ok.body.results[0]).toMatchObject({
      status: 'SUBSCRIBED',
      setStatusSuccessReason: 'REQUESTED_CHANGE_OCCURRED',
    });
    const same = await call('POST', `${base}/statuses/contact@example.com`, body);
    expect(same.body.results[0].setStatusSuccessReason).toBe('NO_STATUS_CHANGE');
  });

  it('resubscribes someone opted out of all email (RESUBSCRIBE_OCCURRED) and the snapshot records it', async () => {
    const res = await call('POST', `${base}/statuses/${optedOut}`, {
      channel: 'EMAIL',
      statusState: 'SUBSCRIBED',
      subscriptionId: 1001,
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].setStatusSuccessReason).toBe('RESUBSCRIBE_OCCURRED');
    const snap = sim.snapshot();
    expect(snap.history.resubscribeAttempts).toEqual([
      expect.objectContaining({ email: optedOut, outcome: 'RESUBSCRIBED', reason: 'OPTED_OUT_OF_ALL' }),
    ]);
    expect(snap.statuses[optedOut]?.optedOutOfAll).toBe(false);
    expect(snap.contacts.find((c) => c.email === optedOut)?.properties.hs_email_optout).toBe('false');
  });

  it('opts one address out of all email, sets hs_email_optout, and answers 200 with an empty body unless verbose', async () => {
    const quiet = await call('POST', `${base}/statuses/contact@example.com/unsubscribe-all?channel=EMAIL`);
    expect(quiet.status).toBe(200);
    expect(quiet.text).toBe('');
    const snap = sim.snapshot();
    expect(snap.statuses['contact@example.com']?.optedOutOfAll).toBe(true);
    expect(snap.contacts.find((c) => c.email === 'contact@example.com')?.properties.hs_email_optout).toBe(
      'true',
    );
    const read = await call('GET', `${base}/statuses/contact@example.com/unsubscribe-all?channel=EMAIL`);
    expect(read.body.results).toEqual([
      expect.objectContaining({ wideStatusType: 'PORTAL_WIDE', status: 'UNSUBSCRIBED' }),
    ]);
    const notOut = await call('GET', `${base}/statuses/typeout@example.com/unsubscribe-all?channel=EMAIL`);
    expect(notOut.body.results).toEqual([]);
    const verbose = await call(
      'POST',
      `${base}/statuses/new@example.com/unsubscribe-all?channel=EMAIL&verbose=true`,
    );
    expect(verbose.body.results.map((s: any) => s.status)).toEqual(['UNSUBSCRIBED', 'UNSUBSCRIBED']);
    expect((await call('POST', `${base}/statuses/x@example.com/unsubscribe-all`)).status).toBe(400);
  });

  it('keeps an opt-out of a non-contact and applies it to a contact created later', async () => {
    await call('POST', `${base}/statuses/later@example.com/unsubscribe-all?channel=EMAIL`);
    expect(sim.snapshot().statuses['later@example.com']).toMatchObject({
      optedOutOfAll: true,
      isContact: false,
    });
    expect(sim.snapshot().history.statusChanges.at(-1)).toMatchObject({
      scope: 'ALL',
      to: 'OPTED_OUT',
      wasContact: false,
    });
    const upsert = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'Later@Example.com', idProperty: 'email', properties: { firstname: 'L' } }],
    });
    expect(upsert.status).toBe(200);
    const contact = sim.snapshot().contacts.find((c) => c.email === 'later@example.com');
    expect(contact?.properties.hs_email_optout).toBe('true');
    expect(sim.snapshot().statuses['later@example.com']?.isContact).toBe(true);
  });

  it('writes a batch with 207 and per-input errors, and resubscribes opted-out inputs', async () => {
    const res = await call('POST', `${base}/statuses/batch/write`, {
      inputs: [
        {
          channel: 'EMAIL',
          statusState: 'UNSUBSCRIBED',
          subscriberIdString: 'contact@example.com',
          subscriptionId: 1001,
        },
        {
          channel: 'EMAIL',
          statusState: 'UNSUBSCRIBED',
          subscriberIdString: 'not-an-email',
          subscriptionId: 1001,
        },
        { channel: 'EMAIL', statusState: 'SUBSCRIBED', subscriberIdString: optedOut, subscriptionId: 1001 },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.numErrors).toBe(1);
    expect(res.body.errors[0].context.subscriberIdString).toEqual(['not-an-email']);
    const reasons = Object.fromEntries(
      res.body.results.map((r: any) => [r.subscriberIdString, r.setStatusSuccessReason]),
    );
    expect(reasons).toEqual({
      'contact@example.com': 'REQUESTED_CHANGE_OCCURRED',
      [optedOut]: 'RESUBSCRIBE_OCCURRED',
    });
    expect(sim.snapshot().history.resubscribeAttempts.map((a) => a.email)).toEqual([optedOut]);
  });

  it('reads, opts out and reads opt-outs in batches, with channel required', async () => {
    expect(
      (await call('POST', `${base}/statuses/batch/read`, { inputs: ['contact@example.com'] })).status,
    ).toBe(400);
    const read = await call('POST', `${base}/statuses/batch/read?channel=EMAIL`, {
      inputs: ['contact@example.com', 'typeout@example.com'],
    });
    expect(read.status).toBe(200);
    expect(read.body.results).toHaveLength(2);
    const out = await call('POST', `${base}/statuses/batch/unsubscribe-all?channel=EMAIL`, {
      inputs: ['contact@example.com', 'bad'],
    });
    expect(out.status).toBe(207);
    expect(out.body.results.map((r: any) => r.subscriberIdString)).toEqual(['contact@example.com']);
    const wide = await call('POST', `${base}/statuses/batch/unsubscribe-all/read?channel=EMAIL`, {
      inputs: ['contact@example.com', 'typeout@example.com'],
    });
    const byEmail = Object.fromEntries(
      wide.body.results.map((r: any) => [r.subscriberIdString, r.wideStatuses.length]),
    );
    expect(byEmail).toEqual({ 'contact@example.com': 1, 'typeout@example.com': 0 });
  });

  it('refuses more than the batch maximum of inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => `u${i}@example.com`);
    expect(
      (await call('POST', `${base}/statuses/batch/unsubscribe-all?channel=EMAIL`, { inputs })).status,
    ).toBe(400);
    expect(Object.keys(sim.snapshot().statuses)).toHaveLength(3);
  });

  it('answers 403 on every batch endpoint without Marketing Hub Enterprise, while single calls work', async () => {
    sim.setOptions({ batchEndpointsForbidden: true });
    const calls: [string, unknown][] = [
      ['batch/read?channel=EMAIL', { inputs: ['contact@example.com'] }],
      [
        'batch/write',
        {
          inputs: [
            {
              channel: 'EMAIL',
              statusState: 'UNSUBSCRIBED',
              subscriberIdString: 'contact@example.com',
              subscriptionId: 1001,
            },
          ],
        },
      ],
      ['batch/unsubscribe-all?channel=EMAIL', { inputs: ['contact@example.com'] }],
      ['batch/unsubscribe-all/read?channel=EMAIL', { inputs: ['contact@example.com'] }],
    ];
    for (const [path, body] of calls) {
      const res = await call('POST', `${base}/statuses/${path}`, body);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES' });
      expect(res.body.message).toContain('Marketing Hub Enterprise');
    }
    expect(sim.snapshot().statuses['contact@example.com']?.optedOutOfAll).toBe(false);
    expect(
      (await call('POST', `${base}/statuses/contact@example.com/unsubscribe-all?channel=EMAIL`)).status,
    ).toBe(200);
  });
});
