/**
 * Personal data does not stay in Redis for ever: after a run, its keys expire after JOB_RETENTION_DAYS and every
 * job (including the flow children the read phase adds) is removed after that age once completed or failed.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { startLocalStack } from '../../src/demo/local-stack.ts';
import { ledgerKeys } from '../../src/ledger/keys.ts';
import { deletePrefix, newRedis } from '../helpers/redis.ts';
import { dumpPrefix } from './redis-dump.ts';

const redis = newRedis();
const prefix = `test-retention-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const RETENTION_DAYS = 2;
const RETENTION_SECONDS = RETENTION_DAYS * 24 * 3600;

describe('retention', () => {
  it('run keys expire and jobs are removed after JOB_RETENTION_DAYS', async () => {
    const stack = await startLocalStack({
      queuePrefix: prefix,
      env: { JOB_RETENTION_DAYS: String(RETENTION_DAYS) },
      sandbox: {
        seed: 5,
        dataset: { mailchimp: { audiences: 2, membersPerAudience: 100 }, constantContact: { contacts: 200 } },
      },
    });
    try {
      const result = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
      expect(result.counts.read).toBe(400);

      const runKeys = Object.values(stack.app.store.keys(result.run.id));
      const dump = await dumpPrefix(redis, prefix);
      const ofRun = dump.filter((k) => k.key.startsWith(`${prefix}:run:${result.run.id}`));
      expect(ofRun.map((k) => k.key)).toEqual(expect.arrayContaining([runKeys[0], `${runKeys[0]}:records`]));
      for (const k of ofRun) {
        expect({ key: k.key, ttlOk: k.ttl > RETENTION_SECONDS - 600 && k.ttl <= RETENTION_SECONDS }).toEqual({
          key: k.key,
          ttlOk: true,
        });
      }

      const jobs: Job[] = [];
      for (const queue of Object.values(stack.app.queues.byName)) {
        jobs.push(...(await queue.getJobs(['completed', 'failed'])));
      }
      const names = new Set(jobs.map((j) => j.name));
      for (const name of ['finalize', 'read-phase', 'source-page', 'write-batch', 'subscribe-batch']) {
        expect(names).toContain(name);
      }
      const pageQueues = new Set(jobs.filter((j) => j.name === 'source-page').map((j) => j.queueName));
      expect([...pageQueues].sort()).toEqual(['constant-contact', 'mailchimp']);
      const withoutRetention = jobs
        .filter(
          (j) =>
            (j.opts.removeOnComplete as { age?: number } | undefined)?.age !== RETENTION_SECONDS ||
            (j.opts.removeOnFail as { age?: number } | undefined)?.age !== RETENTION_SECONDS,
        )
        .map((j) => `${j.name} ${JSON.stringify({ c: j.opts.removeOnComplete, f: j.opts.removeOnFail })}`);
      expect(withoutRetention).toEqual([]);

      // Keys that keep email addresses without an expiry, outside the jobs (removed by age above): only the
      // cross-run state incremental syncs need (consent registry, property owners, held subscriptions,
      // write fingerprints). Anything else holding personal data must expire.
      const emails = stack.sandbox.dataset.constantContact.contacts
        .flatMap((c) => c.email_address?.address.trim().toLowerCase() ?? [])
        .filter((e) => /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(e));
      const queueNames = Object.keys(stack.app.queues.byName);
      const isJobKey = (key: string) => queueNames.some((q) => key.startsWith(`${prefix}:${q}:`));
      const keeping = dump
        .filter((k) => k.ttl === -1 && !isJobKey(k.key))
        .filter((k) => emails.some((e) => k.text.includes(e)))
        .map((k) => k.key);
      const g = ledgerKeys(prefix);
      const crossRun: string[] = [
        g.consent,
        g.owners,
        g.held,
        g.fingerprints,
        g.pendingOptOuts,
        g.pendingOptOutsSince,
      ];
      expect(keeping.length).toBeGreaterThan(0);
      expect(keeping.filter((k) => !crossRun.includes(k))).toEqual([]);
    } finally {
      await stack.close();
    }
  }, 60_000);
});
