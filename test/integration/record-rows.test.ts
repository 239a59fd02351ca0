/** Record rows keep the run's counters exact however often a row is written again, and in few commands. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { runKeys } from '../../src/run/keys.ts';
import { RunStore } from '../../src/run/store.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefix = testPrefix('rows');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const row = (i: number, extra: Partial<RecordRow> = {}): RecordRow => ({
  key: `mailchimp:a:${i}`,
  source: 'mailchimp',
  email: `p${i}@example.com`,
  sourceStatus: 'subscribed',
  outcome: 'created',
  consent: null,
  reason: null,
  ...extra,
});

async function newRun() {
  const store = new RunStore(redis, prefix);
  const run = await store.createRun({
    sources: ['mailchimp'],
    audiences: [],
    ignoreFingerprints: false,
    kind: 'migrate',
  });
  return { store, run };
}

/** Many records of few people: five audiences, so each address has up to five rows. */
const manyRow = (i: number, extra: Partial<RecordRow> = {}): RecordRow =>
  row(i, { key: `mailchimp:a${i % 5}:${i}`, email: `p${Math.floor(i / 5)}@example.com`, ...extra });

describe('RunStore.recordRows', () => {
  it('counts each record once, takes back a rewritten row’s counters, and keeps the last row of a key', async () => {
    const { store, run } = await newRun();
    await store.recordRows(
      run.id,
      Array.from({ length: 100 }, (_, i) => row(i)),
    );
    // The subscribe phase adds consent to some rows; one key appears twice in a call.
    await store.recordRows(run.id, [
      row(1, { consent: 'subscribed' }),
      row(2, { consent: 'keptOptedOut' }),
      row(2, { consent: 'subscribed' }),
      row(3, { outcome: 'failed', reason: 'x' }),
    ]);
    const { counts, breakdown } = await store.counts(run.id);
    expect(counts).toMatchObject({ read: 100, created: 99, failed: 1, subscribed: 2, keptOptedOut: 0 });
    expect(breakdown['src:mailchimp:read']).toBe(100);
    expect((await store.getRows(run.id, ['mailchimp:a:2'])).get('mailchimp:a:2')?.consent).toBe('subscribed');
  });
});

describe('RunStore.settleRows', () => {
  it('patches rows inside Redis with exact counters, answers the failed rows and skips keys without a row', async () => {
    const { store, run } = await newRun();
    await store.recordRows(
      run.id,
      Array.from({ length: 6 }, (_, i) => row(i, { email: i === 5 ? null : `p${i}@example.com` })),
    );
    const settled = await store.settleRows(run.id, [
      { key: 'mailchimp:a:0', consent: 'subscribed' },
      { key: 'mailchimp:a:1', consent: 'keptOptedOut', note: 'kept' },
      { key: 'mailchimp:a:2', consent: null, failed: 'subscription not written: refused' },
      { key: 'mailchimp:a:3', consent: null, note: 'waits' },
      // Settled twice (a phase queued again after a crash): "subscribed" stays, counted once.
      { key: 'mailchimp:a:0', consent: null, note: 'again' },
      { key: 'mailchimp:a:5', consent: 'subscribed' },
      { key: 'mailchimp:a:404', consent: 'subscribed' },
    ]);
    expect([...settled.keys()].sort()).toEqual([0, 1, 2, 3, 5].map((i) => `mailchimp:a:${i}`));
    expect(settled.get('mailchimp:a:0')).toBeNull();
    expect(settled.get('mailchimp:a:2')).toEqual(
      row(2, { outcome: 'failed', reason: 'subscription not written: refused' }),
    );
    const rows = await store.getRows(
      run.id,
      [0, 1, 3, 5].map((i) => `mailchimp:a:${i}`),
    );
    expect(rows.get('mailchimp:a:0')).toEqual(row(0, { consent: 'subscribed', reason: 'again' }));
    expect(rows.get('mailchimp:a:1')).toEqual(row(1, { consent: 'keptOptedOut', reason: 'kept' }));
    expect(rows.get('mailchimp:a:3')).toEqual(row(3, { reason: 'waits' }));
    expect(rows.get('mailchimp:a:5')).toEqual(row(5, { email: null, consent: 'subscribed' }));
    const { counts, breakdown } = await store.counts(run.id);
    expect(counts).toMatchObject({ read: 6, created: 5, failed: 1, subscribed: 2, keptOptedOut: 1 });
    expect(breakdown['src:mailchimp:failed']).toBe(1);
    expect(breakdown['src:mailchimp:subscribed']).toBe(2);
  });
});

/**
 * Record rows in calls of any size: the import step settles a thousand import lines at a time, and each line
 * holds every record of its address (one per audience and source), so one call may carry many thousand rows.
 */
describe('RunStore.recordRows with many rows in one call', () => {
  it('writes 12,000 rows, then writes them again, with exact counters', async () => {
    const { store, run } = await newRun();
    const count = 12_000;
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => manyRow(i)),
    );
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => manyRow(i, i % 2 ? { outcome: 'failed', reason: 'x' } : {})),
    );
    const { counts } = await store.counts(run.id);
    expect(counts).toMatchObject({ read: count, created: count / 2, failed: count / 2 });
    expect(await redis.hlen(runKeys(prefix, run.id).records)).toBe(count);
  });

  it('settles 2,500 rows in one call, with exact counters', async () => {
    const { store, run } = await newRun();
    const count = 2_500;
    await store.recordRows(
      run.id,
      Array.from({ length: count }, (_, i) => manyRow(i)),
    );
    const settled = await store.settleRows(
      run.id,
      Array.from({ length: count }, (_, i) =>
        i % 5 === 0
          ? { key: manyRow(i).key, consent: null, failed: 'subscription not written: refused' }
          : { key: manyRow(i).key, consent: 'subscribed' as const },
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
