/**
 * The run pipeline with real Redis and BullMQ, and the real Mailchimp source and HubSpot sink against the
 * sandbox: one audience whose members each test adds, and a portal that starts empty.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/env.ts';
import { Job } from 'bullmq';
import { forgetKnownProperties } from '../../src/connectors/hubspot/index.ts';
import { createQueues, jobId, type Queues } from '../../src/queue/queues.ts';
import { followRun } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import { RunStore } from '../../src/run/store.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { createWorkerContext } from '../../src/workers/context.ts';
import { startWorkers, type RunningWorkers } from '../../src/workers/index.ts';
import { generateDataset, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { MailchimpMemberSeed } from '../../src/sandbox/generator/types.ts';
import { hubspotCalls, MARKETING, WRITE_ROUTES } from '../e2e/helpers/hubspot-state.ts';
import { member } from '../helpers/mailchimp-member.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const logger = pino({ level: 'silent' });

/** HubSpot write calls the sandbox counted, by kind. */
function writeCalls(sandbox: Sandbox): { upsert: number; subscribe: number; unsubscribeAll: number } {
  const counts = sandbox.callCounts();
  return {
    upsert: hubspotCalls(counts, WRITE_ROUTES.upsert),
    subscribe: hubspotCalls(counts, WRITE_ROUTES.statusWrite),
    unsubscribeAll: hubspotCalls(counts, WRITE_ROUTES.unsubscribeAll),
  };
}

describe('run pipeline (real Redis and BullMQ, real connectors against the sandbox)', () => {
  let redis: Redis;
  let prefix: string;
  let queues: Queues;
  let store: RunStore;
  let workers: RunningWorkers;
  let sandbox: Sandbox;
  let audienceId: string;
  const redises: Redis[] = [];

  beforeAll(async () => {
    // One audience without members, no Constant Contact contacts, an empty portal.
    const dataset = generateDataset({
      seed: 7,
      mailchimp: { audiences: 1, membersPerAudience: 0 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 0 },
    });
    for (const list of dataset.mailchimp.lists) list.members = [];
    sandbox = await startSandbox({ dataset, limits: false });
    audienceId = dataset.mailchimp.lists[0]!.id;
  });

  beforeEach(() => {
    // A fresh portal each test: the sink must create its properties again.
    sandbox.reset();
    forgetKnownProperties();
    redis = newRedis();
    redises.push(redis);
    prefix = testPrefix('pipeline');
    // Mailchimp only: with Constant Contact configured, subscriptions would wait until it has been read once.
    const config = parseConfig({
      QUEUE_PREFIX: prefix,
      HUBSPOT_BASE_URL: sandbox.env.HUBSPOT_BASE_URL,
      HUBSPOT_ACCESS_TOKEN: sandbox.env.HUBSPOT_ACCESS_TOKEN,
      MAILCHIMP_API_KEY: sandbox.env.MAILCHIMP_API_KEY,
      MAILCHIMP_BASE_URL: sandbox.env.MAILCHIMP_BASE_URL,
    });
    queues = createQueues(redis, prefix, 1);
    store = new RunStore(redis, prefix);
    const ctx = createWorkerContext({ config, redis, store, queues, logger });
    workers = startWorkers(ctx, { concurrency: 4 });
  });

  afterEach(async () => {
    await workers.close();
    await queues.close();
    await deletePrefix(redis, prefix);
  });

  afterAll(async () => {
    for (const r of redises) r.disconnect();
    await sandbox.close();
  });

  const addMembers = (members: MailchimpMemberSeed[]) => {
    for (const m of members) sandbox.mailchimp.addMember(audienceId, m);
  };
  const portal = () => sandbox.hubspot.snapshot();
  const contactEmails = () => portal().contacts.map((c) => (c.email ?? '').toLowerCase());
  const optedOut = (email: string) => portal().statuses[email]?.optedOutOfAll === true;
  const marketing = (email: string) => portal().statuses[email]?.subscriptions[MARKETING]?.status;

  async function migrate() {
    const run = await startRun(
      { store, queues },
      { sources: ['mailchimp'], audiences: [], ignoreFingerprints: false, kind: 'migrate' },
    );
    return followRun(store, run.id, () => undefined, 100);
  }

  async function rows(runId: string): Promise<Map<string, RecordRow>> {
    const out = new Map<string, RecordRow>();
    for await (const chunk of store.scanRows(runId)) for (const r of chunk) out.set(r.email ?? r.key, r);
    return out;
  }

  it('migrates every status by the policy table, and a rerun writes nothing', async () => {
    addMembers([
      member('Sub@Example.com ', 'subscribed'),
      member('unsub@example.com', 'unsubscribed', { unsubscribe_reason: 'N/A (Unsubscribed by admin)' }),
      member('bounce@example.com', 'cleaned'),
      member('pending@example.com', 'pending'),
      member('tx@example.com', 'transactional'),
      member('gone@example.com', 'archived'),
      member('not-an-email', 'subscribed'),
    ]);
    const first = await migrate();
    expect(first.run.status).toBe('completed_with_errors');
    expect(first.run.total).toBe(7);
    expect(first.counts).toMatchObject({
      read: 7,
      created: 5,
      subscribed: 1,
      optedOut: 2,
      skipped: 1,
      failed: 1,
      keptOptedOut: 0,
    });
    expect(
      first.counts.created +
        first.counts.updated +
        first.counts.unchanged +
        first.counts.skipped +
        first.counts.failed,
    ).toBe(7);
    expect(contactEmails().sort()).toEqual([
      'bounce@example.com',
      'pending@example.com',
      'sub@example.com',
      'tx@example.com',
      'unsub@example.com',
    ]);
    expect(contactEmails().filter(optedOut).sort()).toEqual(['bounce@example.com', 'unsub@example.com']);
    expect(marketing('sub@example.com')).toBe('SUBSCRIBED');
    expect(marketing('pending@example.com')).toBeUndefined();
    expect(marketing('tx@example.com')).toBeUndefined();
    const report = await rows(first.run.id);
    const invalid = [...report.values()].filter((r) => r.outcome === 'failed');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.reason).toMatch(/invalid email address "not-an-email"/);
    expect(report.get('gone@example.com')?.outcome).toBe('skipped');

    const callsBefore = writeCalls(sandbox);
    const second = await migrate();
    expect(second.run.status).toBe('completed_with_errors');
    expect(second.counts).toMatchObject({
      read: 7,
      created: 0,
      updated: 0,
      unchanged: 5,
      subscribed: 0,
      optedOut: 0,
    });
    expect(writeCalls(sandbox)).toEqual(callsBefore);
  });

  it('keeps people HubSpot already has opted out, opted out', async () => {
    sandbox.hubspot.seedContacts([
      { email: 'kept@example.com', optedOutOfAll: true },
      { email: 'typeunsub@example.com', subscriptions: { [MARKETING]: 'NOT_SUBSCRIBED' } },
    ]);
    addMembers([member('kept@example.com', 'subscribed'), member('typeunsub@example.com', 'subscribed')]);
    const result = await migrate();
    expect(result.run.status).toBe('completed');
    expect(result.counts).toMatchObject({ keptOptedOut: 2, subscribed: 0 });
    expect(portal().history.resubscribeAttempts).toEqual([]);
  });

  it('fails only the record HubSpot rejects, and keeps it for retry', async () => {
    // A domain with an underscore passes the mapper's address check; HubSpot refuses it.
    const refused = 'p42@exa_mple.com';
    addMembers(
      Array.from({ length: 150 }, (_, i) => member(i === 42 ? refused : `p${i}@example.com`, 'pending')),
    );
    const result = await migrate();
    expect(result.counts).toMatchObject({ read: 150, created: 149, failed: 1 });
    const report = await rows(result.run.id);
    expect(report.get(refused)?.outcome).toBe('failed');
    const dead = [];
    for await (const letters of store.scanDeadLetters(result.run.id)) dead.push(...letters);
    expect(dead.map((d) => d.row.email)).toEqual([refused]);
    expect(dead[0]?.contact?.email).toBe(refused);
  });

  it('pages through more than one page of an audience', async () => {
    addMembers(Array.from({ length: 2500 }, (_, i) => member(`m${i}@example.com`, 'transactional')));
    const result = await migrate();
    expect(result.run.error).toBeNull();
    expect(result.run.total).toBe(2500);
    expect(result.counts).toMatchObject({ read: 2500, created: 2500, failed: 0 });
    expect(portal().contacts).toHaveLength(2500);
    // Bull Board shows the run's progress on its read-phase job.
    const readPhase = await Job.fromId(queues.byName.runs, jobId(result.run.id, 'read'));
    expect(readPhase?.progress).toBe(100);
  });

  async function sync() {
    const run = await startRun(
      { store, queues },
      { sources: ['mailchimp'], audiences: [], ignoreFingerprints: false, kind: 'sync' },
    );
    return followRun(store, run.id, () => undefined, 100);
  }

  it('syncs only what changed since the watermark, including unsubscribes and email changes', async () => {
    const old = '2024-03-01T10:00:00+00:00';
    addMembers([
      member('stays@example.com', 'subscribed', { last_changed: old }),
      member('leaves@example.com', 'subscribed', { last_changed: old }),
      member('moves@example.com', 'transactional', { last_changed: old, contact_id: 'c-moves' }),
    ]);
    const first = await sync();
    expect(first.counts).toMatchObject({ read: 3, created: 3, subscribed: 2 });

    const recent = new Date(Date.now() - 5_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    sandbox.mailchimp.updateMember(audienceId, 'leaves@example.com', {
      status: 'unsubscribed',
      last_changed: recent,
    });
    sandbox.mailchimp.updateMember(audienceId, 'moves@example.com', {
      email_address: 'moved@example.com',
      last_changed: recent,
    });
    const upsertsBefore = writeCalls(sandbox).upsert;
    const second = await sync();
    expect(second.counts).toMatchObject({ read: 2, optedOut: 1, created: 0, updated: 2 });
    expect(optedOut('leaves@example.com')).toBe(true);
    expect(contactEmails()).not.toContain('moves@example.com');
    expect(contactEmails()).toContain('moved@example.com');
    expect(portal().contacts).toHaveLength(3);
    // The two changes sit in two status chains (unsubscribed, transactional) and go in one batch, which writes
    // nothing for the unchanged member.
    expect(writeCalls(sandbox).upsert - upsertsBefore).toBe(1);

    // Resubscribed in the source after the opt-out: never resubscribed in HubSpot.
    const later = new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    sandbox.mailchimp.updateMember(audienceId, 'leaves@example.com', {
      status: 'subscribed',
      last_changed: later,
    });
    const third = await sync();
    expect(third.counts).toMatchObject({ keptOptedOut: 1, subscribed: 0 });
    expect(portal().history.resubscribeAttempts).toEqual([]);
  });

  it('refuses a second run of a source while one is running', async () => {
    addMembers(Array.from({ length: 50 }, (_, i) => member(`busy${i}@example.com`, 'pending')));
    const run = await startRun(
      { store, queues },
      { sources: ['mailchimp'], audiences: [], ignoreFingerprints: false, kind: 'migrate' },
    );
    await expect(
      startRun(
        { store, queues },
        { sources: ['mailchimp'], audiences: [], ignoreFingerprints: false, kind: 'sync' },
      ),
    ).rejects.toThrow(/still running/);
    await followRun(store, run.id, () => undefined, 100);
    const next = await startRun(
      { store, queues },
      { sources: ['mailchimp'], audiences: [], ignoreFingerprints: false, kind: 'sync' },
    );
    await followRun(store, next.id, () => undefined, 100);
  });
});
