import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/env.ts';
import { Job } from 'bullmq';
import { createQueues, jobId, type Queues } from '../../src/queue/queues.ts';
import { followRun } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import { RunStore } from '../../src/run/store.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { createWorkerContext } from '../../src/workers/context.ts';
import { startWorkers, type RunningWorkers } from '../../src/workers/index.ts';
import { FakeHubSpot, FakeMailchimp, member } from '../helpers/fakes.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const logger = pino({ level: 'silent' });

describe('run pipeline (fake APIs, real Redis and BullMQ)', () => {
  let redis: Redis;
  let prefix: string;
  let queues: Queues;
  let store: RunStore;
  let workers: RunningWorkers;
  let hubspot: FakeHubSpot;
  let mailchimp: FakeMailchimp;
  const redises: Redis[] = [];

  beforeEach(() => {
    redis = newRedis();
    redises.push(redis);
    prefix = testPrefix('pipeline');
    const config = parseConfig({
      QUEUE_PREFIX: prefix,
      HUBSPOT_ACCESS_TOKEN: 'test-token',
      MAILCHIMP_API_KEY: 'abc-us1',
    });
    queues = createQueues(redis, prefix, 1);
    store = new RunStore(redis, prefix);
    hubspot = new FakeHubSpot();
    mailchimp = new FakeMailchimp();
    const ctx = createWorkerContext({ config, redis, store, queues, logger, ports: { hubspot, mailchimp } });
    workers = startWorkers(ctx, { concurrency: 4 });
  });

  afterEach(async () => {
    await workers.close();
    await queues.close();
    await deletePrefix(redis, prefix);
  });

  afterAll(() => {
    for (const r of redises) r.disconnect();
  });

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
    mailchimp.members = [
      member('Sub@Example.com ', 'subscribed'),
      member('unsub@example.com', 'unsubscribed', { unsubscribe_reason: 'N/A (Unsubscribed by admin)' }),
      member('bounce@example.com', 'cleaned'),
      member('pending@example.com', 'pending'),
      member('tx@example.com', 'transactional'),
      member('gone@example.com', 'archived'),
      member('not-an-email', 'subscribed'),
    ];
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
    expect([...hubspot.contacts.keys()].sort()).toEqual([
      'bounce@example.com',
      'pending@example.com',
      'sub@example.com',
      'tx@example.com',
      'unsub@example.com',
    ]);
    expect([...hubspot.optedOut].sort()).toEqual(['bounce@example.com', 'unsub@example.com']);
    expect(hubspot.marketing.get('sub@example.com')).toBe('SUBSCRIBED');
    expect(hubspot.marketing.has('pending@example.com')).toBe(false);
    expect(hubspot.marketing.has('tx@example.com')).toBe(false);
    const report = await rows(first.run.id);
    const invalid = [...report.values()].filter((r) => r.outcome === 'failed');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.reason).toMatch(/invalid email address "not-an-email"/);
    expect(report.get('gone@example.com')?.outcome).toBe('skipped');

    const callsBefore = { ...hubspot.calls };
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
    expect(hubspot.calls.upsert).toBe(callsBefore.upsert);
    expect(hubspot.calls.subscribe).toBe(callsBefore.subscribe);
    expect(hubspot.calls.unsubscribeAll).toBe(callsBefore.unsubscribeAll);
  });

  it('keeps people HubSpot already has opted out, opted out', async () => {
    hubspot.optedOut.add('kept@example.com');
    hubspot.marketing.set('typeunsub@example.com', 'NOT_SUBSCRIBED');
    mailchimp.members = [
      member('kept@example.com', 'subscribed'),
      member('typeunsub@example.com', 'subscribed'),
    ];
    const result = await migrate();
    expect(result.run.status).toBe('completed');
    expect(result.counts).toMatchObject({ keptOptedOut: 2, subscribed: 0 });
    expect(hubspot.resubscribes).toEqual([]);
  });

  it('fails only the record HubSpot rejects, and keeps it for retry', async () => {
    mailchimp.members = Array.from({ length: 150 }, (_, i) => member(`p${i}@example.com`, 'pending'));
    hubspot.rejectEmails.add('p42@example.com');
    const result = await migrate();
    expect(result.counts).toMatchObject({ read: 150, created: 149, failed: 1 });
    const report = await rows(result.run.id);
    expect(report.get('p42@example.com')?.outcome).toBe('failed');
    const dead = [];
    for await (const letters of store.scanDeadLetters(result.run.id)) dead.push(...letters);
    expect(dead.map((d) => d.row.email)).toEqual(['p42@example.com']);
    expect(dead[0]?.contact?.email).toBe('p42@example.com');
  });

  it('pages through more than one page of an audience', async () => {
    mailchimp.members = Array.from({ length: 2500 }, (_, i) => member(`m${i}@example.com`, 'transactional'));
    const result = await migrate();
    expect(result.run.error).toBeNull();
    expect(result.run.total).toBe(2500);
    expect(result.counts).toMatchObject({ read: 2500, created: 2500, failed: 0 });
    expect(hubspot.contacts.size).toBe(2500);
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
    mailchimp.members = [
      member('stays@example.com', 'subscribed', { last_changed: old }),
      member('leaves@example.com', 'subscribed', { last_changed: old }),
      member('moves@example.com', 'transactional', { last_changed: old, contact_id: 'c-moves' }),
    ];
    const first = await sync();
    expect(first.counts).toMatchObject({ read: 3, created: 3, subscribed: 2 });

    const recent = new Date(Date.now() - 5_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    mailchimp.members = [
      member('stays@example.com', 'subscribed', { last_changed: old }),
      member('leaves@example.com', 'unsubscribed', { last_changed: recent }),
      member('moved@example.com', 'transactional', { last_changed: recent, contact_id: 'c-moves' }),
    ];
    const upsertsBefore = hubspot.calls.upsert;
    const second = await sync();
    expect(second.counts).toMatchObject({ read: 2, optedOut: 1, created: 0, updated: 2 });
    expect(hubspot.optedOut.has('leaves@example.com')).toBe(true);
    expect(hubspot.contacts.has('moves@example.com')).toBe(false);
    expect(hubspot.contacts.has('moved@example.com')).toBe(true);
    expect(hubspot.contacts.size).toBe(3);
    // One batch per status page that had a change (unsubscribed, transactional); nothing for the unchanged member.
    expect(hubspot.calls.upsert - upsertsBefore).toBe(2);

    // Resubscribed in the source after the opt-out: never resubscribed in HubSpot.
    const later = new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    mailchimp.members[1] = member('leaves@example.com', 'subscribed', { last_changed: later });
    const third = await sync();
    expect(third.counts).toMatchObject({ keptOptedOut: 1, subscribed: 0 });
    expect(hubspot.resubscribes).toEqual([]);
  });

  it('refuses a second run of a source while one is running', async () => {
    mailchimp.members = Array.from({ length: 50 }, (_, i) => member(`busy${i}@example.com`, 'pending'));
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
