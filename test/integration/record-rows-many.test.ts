/**
 * Record rows in calls of any size: the import step settles a thousand import lines at a time, and each line
 * holds every record of its address (one per audience and source), so one call may carry many thousand rows.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { runKeys } from '../../src/run/keys.ts';
import { RunStore } from '../../src/run/store.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefix = testPrefix('rows-many');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const row = (i: number, extra: Partial<RecordRow> = {}): RecordRow => ({
  key: `mailchimp:a${i % 5}:${i}`,
  source: 'mailchimp',
  email: `p${Math.floor(i / 5)}@example.com`,
  sourceStatus: 'subscribed',
  outcome: 'created',
  consent: null,
  reason: null,
  ...extra,
});

describe('RunStore.recordRows with many rows in one call', () => {
  it('writes 12,000 rows, then writes them again, with exact counters', async () => {
    const store = new RunStore(redis, prefix);
    const run = await store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    const count = 12_000;
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => row(i)),
    );
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => row(i, i % 2 ? { outcome: 'failed', reason: 'x' } : {})),
    );
    const { counts } = await store.counts(run.id);
    expect(counts).toMatchObject({ read: count, created: count / 2, failed: count / 2 });
    expect(await redis.hlen(runKeys(prefix, run.id).records)).toBe(count);
  });

  it('settles 2,500 rows in one call, with exact counters', async () => {
    const store = new RunStore(redis, prefix);
    const run = await store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    const count = 2_500;
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => row(i)),
    );
    const settled = await store.settleRows(
      run.id,
      Array.from({ length: count }, (_, i) =>
        i % 5 === 0
          ? { key: row(i).key, consent: null, failed: 'subscription not written: refused' }
          : { key: row(i).key, consent: 'subscribed' as const },
      ),
    );
    expect(settled.size).toBe(count);
    expect([...settled.values()].filter((r) => r !== null)).toHaveLength(count / 5);
    const { counts } = await store.counts(run.id);
    expect(counts).toMatchObject({
      read: count,
      created: (count * 4) / 5,
      failed: count / 5,
      subscribed: (count * 4) / 5,
    });
  });
});
