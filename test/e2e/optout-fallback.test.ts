/**
 * A portal without Marketing Hub Enterprise answers 403 to the communication-preferences batch
 * endpoints. Opt-outs and subscriptions must still all be written, one address at a time, and the run says so.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { generateDataset } from '../../src/sandbox/index.ts';
import { expectedCounts, expectedPeople, mailchimpRecords, preExisting } from '../helpers/expected-state.ts';
import { MARKETING, WRITE_ROUTES, consentOf } from './helpers/hubspot-state.ts';
import { StackPool } from './helpers/stack.ts';

const MAILCHIMP_ONLY = { CONSTANT_CONTACT_CLIENT_ID: '', CONSTANT_CONTACT_CLIENT_SECRET: '' };

const pool = new StackPool();
afterEach(() => pool.closeAll());

describe('opt-outs on a portal that refuses the batch endpoints', () => {
  it('writes every opt-out and subscription per address, and the run notices the fallback', async () => {
    const dataset = generateDataset({
      seed: 47,
      mailchimp: { audiences: 1, membersPerAudience: 160 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 20, optedOutShare: 0.5 },
    });
    const stack = await pool.open({
      sandbox: { seed: 47, limits: false, dataset, hubspot: { batchEndpointsForbidden: true } },
      env: { HUBSPOT_RATE_LIMIT: '5000', ...MAILCHIMP_ONLY },
    });
    const records = mailchimpRecords(dataset);
    const people = [...expectedPeople(records, preExisting(dataset.hubspot.contacts)).values()];
    const want = expectedCounts(records, preExisting(dataset.hubspot.contacts));
    expect(people.filter((p) => p.intent === 'optOut').length).toBeGreaterThan(10);
    expect(people.filter((p) => p.marketing === 'SUBSCRIBED').length).toBeGreaterThan(50);

    const run = await stack.run({ sources: ['mailchimp'] });
    const snapshot = stack.sandbox.hubspot.snapshot();
    const calls = stack.sandbox.callCounts();

    expect(run.run.status).not.toBe('failed');
    expect(run.counts.optedOut).toBe(want.optedOut);
    expect(run.counts.subscribed).toBe(want.subscribed);
    expect(run.counts.keptOptedOut).toBe(want.keptOptedOut);
    const wrong = people.filter((p) => {
      const got = consentOf(snapshot, p.email);
      return got.optedOutOfAll !== p.optedOutOfAll || got.marketing !== p.marketing;
    });
    expect(wrong.map((p) => [p.email, p.intent, consentOf(snapshot, p.email)])).toEqual([]);
    for (const p of people.filter((x) => x.marketing === 'SUBSCRIBED')) {
      expect(snapshot.statuses[p.email]?.subscriptions[MARKETING]?.legalBasis).toBe('CONSENT_WITH_NOTICE');
    }
    expect(snapshot.history.resubscribeAttempts).toEqual([]);

    // The batch calls were refused and the per-address ones did the work.
    const routes = Object.entries(calls.hubspot.routes);
    const refusedBatch = routes.filter(([name, r]) => /\/batch\//.test(name) && r.byStatus['403']);
    expect(refusedBatch.length).toBeGreaterThan(0);
    const perAddressOptOuts = routes.filter(
      ([name, r]) => WRITE_ROUTES.unsubscribeAll.test(name) && !/\/batch\//.test(name) && r.byStatus['200'],
    );
    expect(perAddressOptOuts.reduce((n, [, r]) => n + (r.byStatus['200'] ?? 0), 0)).toBeGreaterThanOrEqual(
      people.filter((p) => p.intent === 'optOut').length,
    );
    const perAddressWrites = calls.hubspot.routes['POST /communication-preferences/2026-09/statuses/:email'];
    expect(perAddressWrites?.byStatus['200']).toBeGreaterThanOrEqual(want.subscribed);
    expect(run.run.notices.join('\n')).toMatch(/one address at a time|per.address|fallback/i);

    // A rerun on the same portal writes nothing, one address at a time or otherwise.
    stack.sandbox.resetCallCounts();
    const rerun = await stack.run({ sources: ['mailchimp'] });
    expect(rerun.counts).toMatchObject({ created: 0, updated: 0, subscribed: 0, optedOut: 0 });
    const writes = Object.keys(stack.sandbox.callCounts().hubspot.routes).filter((r) => r.startsWith('POST'));
    expect(writes).toEqual([]);
  }, 60_000);
});
