/**
 * A verify run's keys in Redis: differences stored as they are found (chunk by chunk, any order) come back by
 * kind, most important first, then by address, a page at a time; the counts per kind are exact and sit in the
 * run's counters; every key expires with the run. A verify run ends completed, or cancelled when asked to stop.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { HubSpotReadPort } from '../../src/core/ports.ts';
import { policyFromConfig } from '../../src/mapping/policy.ts';
import { parseConfig } from '../../src/config/env.ts';
import { RunStore } from '../../src/run/store.ts';
import type { Difference } from '../../src/verify/compare.ts';
import { differenceCounts, VerifyRunStore } from '../../src/verify/run-store.ts';
import { runVerify, VerifyCancelledError } from '../../src/verify/verify-run.ts';
import type { VerifyDeps } from '../../src/verify/verify.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

let redis: Redis;
const prefix = testPrefix('verify-run-store');
const RETENTION = 3600;

beforeAll(() => {
  redis = newRedis();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const diff = (kind: Difference['kind'], email: string): Difference => ({
  kind,
  email,
  keys: [`mailchimp:a:${email}`],
  detail: `${kind} of ${email}`,
});

/** verify's dependencies for a scope that reads no source: it compares nobody, so nothing else is called. */
function emptyScopeDeps(): VerifyDeps {
  return {
    redis,
    prefix,
    hubspot: {} as HubSpotReadPort,
    readers: {},
    ledger: {
      strictestConsent: () => Promise.resolve(new Map()),
      pendingOptOutsFor: () => Promise.resolve(new Map()),
    },
    propertyOwners: () => Promise.resolve(new Map()),
    policy: policyFromConfig(parseConfig({ HUBSPOT_ACCESS_TOKEN: 'x' })),
  };
}

describe('VerifyRunStore', () => {
  it('lists stored differences by kind, then by address, in pages; counts every one found; expires with the run', async () => {
    const runs = new VerifyRunStore(new RunStore(redis, prefix, RETENTION));
    const run = await runs.create({ sources: ['mailchimp'], audiences: [] });
    expect(run.kind).toBe('verify');
    // Two chunks, as verify finds them; 3 properties differ but the caps listed only 2.
    await runs.addDifferences(
      run.id,
      [diff('propertiesDiffer', 'zoe@example.com'), diff('optOutMissing', 'mia@example.com')],
      { propertiesDiffer: 2, optOutMissing: 1 },
    );
    await runs.addDifferences(
      run.id,
      [diff('optOutMissing', 'al@example.com'), diff('optOutMissing', 'bea@example.com')],
      { optOutMissing: 2, propertiesDiffer: 1 },
    );
    const pages: string[][] = [];
    for await (const page of runs.differences(run.id, undefined, 2)) {
      pages.push(page.map((d) => `${d.kind} ${d.email}`));
    }
    expect(pages).toEqual([
      ['optOutMissing al@example.com', 'optOutMissing bea@example.com'],
      ['optOutMissing mia@example.com'],
      ['propertiesDiffer zoe@example.com'],
    ]);
    const { counts, breakdown } = await runs.runs.counts(run.id);
    expect(differenceCounts(breakdown)).toEqual({
      optOutMissing: 3,
      consentUnreadable: 0,
      subscribedWithoutConsent: 0,
      missingContact: 0,
      propertiesDiffer: 3,
    });
    await runs.setProgress(run.id, { step: 'comparing', read: 40, people: 30, compared: 10 });
    expect(counts.read).toBe(0);
    expect((await runs.runs.counts(run.id)).counts.read).toBe(40);
    expect((await runs.state(run.id)).progress).toEqual({
      step: 'comparing',
      read: 40,
      people: 30,
      compared: 10,
    });
    const keys = await redis.keys(`${prefix}:run:${run.id}*`);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect([key, ttl > 0 && ttl <= RETENTION]).toEqual([key, true]);
    }
  });

  it('a verify run ends completed with its summary, or cancelled when cancel was asked', async () => {
    const store = new RunStore(redis, prefix, RETENTION);
    const runs = new VerifyRunStore(store);
    const scope = { sources: [], audiences: [] };
    const done = await runs.create(scope);
    const report = await runVerify(emptyScopeDeps(), runs, done.id, scope);
    expect(report.ok).toBe(true);
    expect(await store.getRun(done.id)).toMatchObject({ status: 'completed', kind: 'verify' });
    expect((await runs.state(done.id)).summary).toMatchObject({ ok: true, people: 0 });

    const cancelled = await runs.create(scope);
    await store.requestCancel(cancelled.id);
    await expect(runVerify(emptyScopeDeps(), runs, cancelled.id, scope)).rejects.toBeInstanceOf(
      VerifyCancelledError,
    );
    expect((await store.getRun(cancelled.id))!.status).toBe('cancelled');
  });
});
