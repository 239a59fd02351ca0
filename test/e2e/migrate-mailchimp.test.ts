/**
 * End to end: `migrate --source mailchimp` against the sandbox, with every status and the messy data.
 * The expected HubSpot state comes from the README's consent table (test/helpers/expected-state.ts), not from the mapper.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { plantedDataset } from './helpers/datasets.ts';
import {
  expectedCounts,
  expectedPeople,
  invalid,
  mailchimpRecords,
  normalize,
  preExisting,
  writable,
} from '../helpers/expected-state.ts';
import {
  MARKETING,
  WRITE_ROUTES,
  consentOf,
  contactsByEmail,
  hubspotCalls,
} from './helpers/hubspot-state.ts';
import { StackPool, rowsOf } from './helpers/stack.ts';

const MAILCHIMP_ONLY = { CONSTANT_CONTACT_CLIENT_ID: '', CONSTANT_CONTACT_CLIENT_SECRET: '' };

const pool = new StackPool();
afterEach(() => pool.closeAll());

describe('migrate --source mailchimp against the sandbox', () => {
  it('ends with HubSpot holding every valid member in the state of the table, and a rerun changes nothing', async () => {
    const { dataset, planted } = plantedDataset({
      seed: 31,
      mailchimp: { audiences: 3, membersPerAudience: 120 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 40, optedOutShare: 0.4 },
    });
    // A Mailchimp-only installation: Constant Contact is not configured, so its consent cannot hold anything back.
    const stack = await pool.open({ sandbox: { seed: 31, limits: false, dataset }, env: MAILCHIMP_ONLY });
    const records = mailchimpRecords(dataset);
    const pre = preExisting(dataset.hubspot.contacts);
    const people = expectedPeople(records, pre);
    const want = expectedCounts(records, pre);
    // The data must hold every case, or the assertions below prove less than they claim.
    for (const status of ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional', 'archived']) {
      expect(records.some((r) => r.status === status && (status === 'archived' || writable(r)))).toBe(true);
    }
    expect(want.keptOptedOut).toBeGreaterThanOrEqual(2);
    expect(records.filter(invalid).length).toBeGreaterThanOrEqual(3);

    const first = await stack.run({ sources: ['mailchimp'] });
    const snapshot = stack.sandbox.hubspot.snapshot();
    const byEmail = contactsByEmail(snapshot);

    // Every valid, non-archived member once; nobody else but the contacts HubSpot already had.
    for (const email of people.keys()) expect([email, byEmail.get(email)?.length]).toEqual([email, 1]);
    const allowed = new Set([...people.keys(), ...pre.keys()]);
    expect([...byEmail.keys()].filter((e) => !allowed.has(e))).toEqual([]);
    expect(snapshot.contacts).toHaveLength(allowed.size);

    // Consent per person: opted out if any record says so or HubSpot had it; SUBSCRIBED only with consent.
    const wrong = [...people.values()].filter((p) => {
      const got = consentOf(snapshot, p.email);
      return got.optedOutOfAll !== p.optedOutOfAll || got.marketing !== p.marketing;
    });
    expect(
      wrong.map((p) => ({ ...p, records: p.records.length, got: consentOf(snapshot, p.email) })),
    ).toEqual([]);
    const subscribedInHubSpot = Object.entries(snapshot.statuses).filter(
      ([, s]) => s.subscriptions[MARKETING]?.status === 'SUBSCRIBED',
    );
    expect(subscribedInHubSpot.length).toBeGreaterThan(0);
    for (const [email, s] of subscribedInHubSpot) {
      expect([email, people.get(email)?.intent]).toEqual([email, 'subscribe']);
      expect(s.subscriptions[MARKETING]?.legalBasis).toBe('CONSENT_WITH_NOTICE');
      expect(s.subscriptions[MARKETING]?.legalBasisExplanation).toMatch(/^Subscribed to Mailchimp audience /);
    }
    expect(snapshot.history.resubscribeAttempts).toEqual([]);
    // The planted pre-existing opt-outs stay opted out although Mailchimp says subscribed.
    expect(consentOf(snapshot, normalize(planted.optedOutInHubSpot.email_address)!)).toEqual({
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
    });
    expect(consentOf(snapshot, normalize(planted.unsubscribedInHubSpot.email_address)!)).toEqual({
      optedOutOfAll: false,
      marketing: 'NOT_SUBSCRIBED',
    });

    // The run's counts add up and match the dataset exactly.
    const c = first.counts;
    expect(first.run.status).toBe('completed_with_errors');
    expect(first.run.total).toBe(records.length);
    expect(c.read).toBe(want.read);
    expect(c.created + c.updated + c.unchanged + c.skipped + c.failed).toBe(c.read);
    expect({
      skipped: c.skipped,
      failed: c.failed,
      created: c.created,
      optedOut: c.optedOut,
      subscribed: c.subscribed,
      keptOptedOut: c.keptOptedOut,
    }).toEqual({
      skipped: want.skipped,
      failed: want.failed,
      created: want.created,
      optedOut: want.optedOut,
      subscribed: want.subscribed,
      keptOptedOut: want.keptOptedOut,
    });

    // One report row per member: archived skipped, invalid failed with a reason, the rest written.
    const rows = await rowsOf(stack.app.store, first.run.id);
    expect(rows.size).toBe(records.length);
    for (const r of records) {
      const row = rows.get(r.key);
      expect(row).toBeDefined();
      expect(row!.source).toBe('mailchimp');
      expect(row!.sourceStatus).toBe(r.status);
      if (r.intent === null) {
        expect([r.key, row!.outcome]).toEqual([r.key, 'skipped']);
        expect(row!.reason).toMatch(/archived/i);
      } else if (invalid(r)) {
        expect([r.rawEmail, row!.outcome]).toEqual([r.rawEmail, 'failed']);
        expect(row!.reason).toEqual(expect.stringMatching(/\S/));
        expect(byEmail.has(r.rawEmail!.trim().toLowerCase())).toBe(false);
      } else {
        expect(['created', 'updated', 'unchanged']).toContain(row!.outcome);
        expect(row!.email).toBe(r.email);
      }
    }
    // Records HubSpot refused wait in the dead letters for retry-failed; nothing that was written does.
    const dead = [];
    for await (const chunk of stack.app.store.scanDeadLetters(first.run.id)) dead.push(...chunk);
    const invalidKeys = new Set(records.filter(invalid).map((r) => r.key));
    expect(dead.filter((d) => !invalidKeys.has(d.row.key))).toEqual([]);
    expect(dead.map((d) => d.row.key)).toContain(
      `mailchimp:${dataset.mailchimp.lists[0]!.id}:${planted.hubspotRefused.contact_id}`,
    );

    // The address HubSpot refused lost only itself: everyone else of its audience and status is there.
    const refusedRow = [...rows.values()].find(
      (row) => row.key.endsWith(`:${planted.hubspotRefused.contact_id}`) && row.outcome === 'failed',
    );
    expect(refusedRow?.reason).toMatch(/email/i);
    const samePage = records.filter(
      (r) => r.audienceId === dataset.mailchimp.lists[0]!.id && r.status === 'subscribed' && writable(r),
    );
    expect(samePage.length).toBeGreaterThan(10);
    expect(samePage.filter((r) => byEmail.get(r.email!)?.length !== 1)).toEqual([]);

    // The same migration again creates nothing, changes nothing and writes nothing.
    const firstCalls = stack.sandbox.callCounts();
    for (const route of Object.values(WRITE_ROUTES)) {
      expect(hubspotCalls(firstCalls, route)).toBeGreaterThan(0);
    }
    stack.sandbox.resetCallCounts();
    const before = snapshot;
    const second = await stack.run({ sources: ['mailchimp'] });
    const calls = stack.sandbox.callCounts();
    expect(second.counts).toMatchObject({
      read: records.length,
      created: 0,
      updated: 0,
      subscribed: 0,
      optedOut: 0,
      keptOptedOut: 0,
      skipped: want.skipped,
      failed: want.failed,
    });
    // Only the record HubSpot refused is tried again (a failure has no fingerprint): one call, all refused.
    expect(hubspotCalls(calls, WRITE_ROUTES.upsert)).toBe(1);
    expect(Object.keys(calls.hubspot.routes)).toEqual([expect.stringMatching(WRITE_ROUTES.upsert)]);
    expect(hubspotCalls(calls, WRITE_ROUTES.statusWrite)).toBe(0);
    expect(hubspotCalls(calls, WRITE_ROUTES.unsubscribeAll)).toBe(0);
    const after = stack.sandbox.hubspot.snapshot();
    expect(after.contacts).toEqual(before.contacts);
    expect(after.statuses).toEqual(before.statuses);
    expect(after.history.statusChanges).toHaveLength(before.history.statusChanges.length);
  }, 60_000);
});
