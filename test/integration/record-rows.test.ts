/** Record rows keep the run's counters exact however often a row is written again, and in few commands. */
import { afterAll, describe, expect, it } from '@jest/globals';
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

describe('RunStore.recordRows', () => {
  it('counts each record once, takes back a rewritten row’s counters, and keeps the last row of a key', async () => {
    const store = new RunStore(redis, prefix);
    const run = await store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
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
