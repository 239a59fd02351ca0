/**
 * Mailchimp and Constant Contact with overlapping, conflicting people. Every person ends once in
 * HubSpot in the strictest state, whatever order the runs and jobs take: the same seed is migrated in both
 * orders, in one run, and as two concurrent runs, each on a fresh sandbox and queue prefix.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import type { RunSnapshot } from '../../src/run/follow.ts';
import { followRun } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import type { HubSpotSnapshot } from '../../src/sandbox/hubspot/index.ts';
import { generateDataset, type Dataset, type FaultConfig } from '../../src/sandbox/index.ts';
import {
  constantContactRecords,
  expectedCounts,
  expectedPeople,
  mailchimpRecords,
  preExisting,
  statusBreakdown,
  writable,
  type ExpectedPerson,
} from '../helpers/expected-state.ts';
import {
  MARKETING,
  consentByEmail,
  consentOf,
  contactsByEmail,
  type Consent,
} from './helpers/hubspot-state.ts';
import { StackPool } from './helpers/stack.ts';

const SEED = 53;
const OPTIONS = {
  seed: SEED,
  mailchimp: { audiences: 2, membersPerAudience: 120 },
  constantContact: { contacts: 160 },
  overlap: 0.7,
  hubspotPreexisting: { contacts: 30, optedOutShare: 0.3 },
};

const pool = new StackPool();
afterAll(() => pool.closeAll());

type Drive = (stack: LocalStack) => Promise<RunSnapshot[]>;

const one =
  (sources: ('mailchimp' | 'constant-contact')[]): Drive =>
  async (stack) => [await stack.run({ sources })];

const inSequence =
  (...drives: Drive[]): Drive =>
  async (stack) => {
    const out: RunSnapshot[] = [];
    for (const drive of drives) out.push(...(await drive(stack)));
    return out;
  };

/** Two runs of different sources started together (each source has its own run lock). */
const concurrently: Drive = async (stack) => {
  const runs = await Promise.all([
    startRun(stack.app, {
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    }),
    startRun(stack.app, {
      sources: ['constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    }),
  ]);
  const done = await Promise.all(runs.map((r) => followRun(stack.app.store, r.id, () => undefined, 100)));
  // They really ran side by side: each started before the other finished.
  const [a, b] = done.map((s) => s.run);
  expect(a!.startedAt! < b!.finishedAt! && b!.startedAt! < a!.finishedAt!).toBe(true);
  return done;
};

async function migrate(drive: Drive, env: Record<string, string> = {}, faults: FaultConfig = {}) {
  const dataset = generateDataset(OPTIONS);
  const stack = await pool.open({
    sandbox: { seed: SEED, limits: false, dataset, faults },
    env: { CONSTANT_CONTACT_RATE_LIMIT: '100', ...env },
  });
  const runs = await drive(stack);
  const snapshot = stack.sandbox.hubspot.snapshot();
  await pool.closeStack(stack);
  return { dataset, runs, snapshot };
}

function mismatches(people: Map<string, ExpectedPerson>, snapshot: HubSpotSnapshot) {
  return [...people.values()]
    .filter((p) => {
      const got = consentOf(snapshot, p.email);
      return got.optedOutOfAll !== p.optedOutOfAll || got.marketing !== p.marketing;
    })
    .map((p) => ({
      email: p.email,
      want: { optedOutOfAll: p.optedOutOfAll, marketing: p.marketing },
      got: consentOf(snapshot, p.email),
      records: p.records.map((r) => `${r.source}:${r.status}`),
    }));
}

function expectation(dataset: Dataset, implicitSubscribes = true) {
  const records = [...mailchimpRecords(dataset), ...constantContactRecords(dataset, { implicitSubscribes })];
  const pre = preExisting(dataset.hubspot.contacts);
  return { records, pre, people: expectedPeople(records, pre) };
}

describe('both sources: the strictest consent wins, in any order', () => {
  it('the data has people in both sources who disagree', () => {
    const { records, people } = expectation(generateDataset(OPTIONS));
    const inBoth = [...people.values()].filter((p) => new Set(p.records.map((r) => r.source)).size === 2);
    const disagree = inBoth.filter((p) => new Set(p.records.map((r) => r.intent)).size > 1);
    expect(inBoth.length).toBeGreaterThan(40);
    expect(disagree.length).toBeGreaterThan(15);
    // Someone subscribed in Mailchimp but only "no consent" in Constant Contact: the case order can break.
    expect(disagree.some((p) => p.intent === 'none' && p.records.some((r) => r.intent === 'subscribe'))).toBe(
      true,
    );
    // A deleted but unsubscribed Constant Contact contact still counts as an opt-out.
    expect(records.some((r) => r.source === 'constant-contact' && r.status === 'unsubscribed')).toBe(true);
  });

  it('one `--source all` run: every person once, in the strictest state, with counts per source and status', async () => {
    const { dataset, runs, snapshot } = await migrate(one(['mailchimp', 'constant-contact']));
    const { records, pre, people } = expectation(dataset);
    const [run] = runs;
    expect(mismatches(people, snapshot)).toEqual([]);
    expect(snapshot.history.resubscribeAttempts).toEqual([]);

    const byEmail = contactsByEmail(snapshot);
    const duplicates = [...byEmail].filter(([, list]) => list.length > 1).map(([e]) => e);
    expect(duplicates).toEqual([]);
    const missing = [...people.keys()].filter((e) => !byEmail.has(e));
    // A deleted-but-unsubscribed contact may stay a bare opt-out; anyone else with a record is a contact.
    const bareOptOuts = missing.filter((e) =>
      people.get(e)!.records.every((r) => r.source === 'constant-contact' && r.intent === 'optOut'),
    );
    expect(missing.filter((e) => !bareOptOuts.includes(e))).toEqual([]);

    const want = expectedCounts(records, pre);
    expect(run!.run.status).toBe(want.failed > 0 ? 'completed_with_errors' : 'completed');
    expect(run!.counts).toMatchObject({
      read: want.read,
      skipped: want.skipped,
      failed: want.failed,
      optedOut: want.optedOut,
      subscribed: want.subscribed,
      keptOptedOut: want.keptOptedOut,
    });
    const c = run!.counts;
    expect(c.created + c.updated + c.unchanged + c.skipped + c.failed).toBe(c.read);
    const statusKeys = Object.fromEntries(
      Object.entries(run!.breakdown).filter(([k]) => k.startsWith('status:')),
    );
    expect(statusKeys).toEqual(statusBreakdown(records));
    expect(run!.breakdown['src:mailchimp:read']).toBe(records.filter((r) => r.source === 'mailchimp').length);
    expect(run!.breakdown['src:constant-contact:read']).toBe(
      records.filter((r) => r.source === 'constant-contact').length,
    );
    expect(records.filter(writable).length).toBeGreaterThan(300);
  }, 30_000);

  it('gives the same final consent for every email in both orders, in one run and concurrently', async () => {
    const scenarios: [string, Drive, FaultConfig?][] = [
      ['mailchimp, then constant-contact', inSequence(one(['mailchimp']), one(['constant-contact']))],
      ['constant-contact, then mailchimp', inSequence(one(['constant-contact']), one(['mailchimp']))],
      ['both in one run', one(['mailchimp', 'constant-contact'])],
      // Constant Contact answers slowly, so the two runs' jobs interleave the hard way.
      ['two runs at once', concurrently, { constantContact: { latencyMs: 150 } }],
    ];
    // Subscriptions are held until every configured source has been read once, so the first run of one
    // source never subscribes someone the other source (read later) holds without consent.
    const results = [];
    for (const [name, drive, faults] of scenarios) {
      const { dataset, runs, snapshot } = await migrate(drive, {}, faults);
      for (const r of runs) expect([name, r.run.status]).not.toEqual([name, 'failed']);
      const { people } = expectation(dataset);
      expect([name, snapshot.history.resubscribeAttempts]).toEqual([name, []]);
      const optOutsWrong = [...people.values()].filter(
        (p) => consentOf(snapshot, p.email).optedOutOfAll !== p.optedOutOfAll,
      );
      expect([name, optOutsWrong.map((p) => p.email)]).toEqual([name, []]);
      const subscribedWithoutConsent = Object.entries(snapshot.statuses)
        .filter(([, s]) => s.subscriptions[MARKETING]?.status === 'SUBSCRIBED')
        .filter(([email]) => !people.get(email)?.records.some((r) => r.intent === 'subscribe'));
      expect([name, subscribedWithoutConsent]).toEqual([name, []]);
      expect([name, mismatches(people, snapshot)]).toEqual([name, []]);
      results.push({ name, consent: consentByEmail(snapshot) });
    }
    const optOuts = (consent: Map<string, Consent>) =>
      [...consent]
        .filter(([, c]) => c.optedOutOfAll)
        .map(([email]) => email)
        .sort();
    const [reference] = results;
    for (const r of results.slice(1)) {
      expect([r.name, optOuts(r.consent)]).toEqual([r.name, optOuts(reference!.consent)]);
    }
    for (const r of results.slice(1)) {
      expect([r.name, Object.fromEntries(r.consent)]).toEqual([
        r.name,
        Object.fromEntries(reference!.consent),
      ]);
    }
  }, 60_000);

  it('with implicit permission set to "not set", implicit contacts are never subscribed', async () => {
    const { dataset, snapshot } = await migrate(one(['mailchimp', 'constant-contact']), {
      IMPLICIT_LEGAL_BASIS: 'NOT_SET',
    });
    const { people } = expectation(dataset, false);
    expect(
      [...people.values()].some((p) => p.records.some((r) => r.status === 'implicit') && p.intent === 'none'),
    ).toBe(true);
    expect(mismatches(people, snapshot)).toEqual([]);
  }, 30_000);
});
