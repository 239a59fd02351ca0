/**
 * A queue emptied by hand (Bull Board's "clean" or "empty", redis-cli) must not look like a finished run:
 * finalize checks that every record read got its outcome, and otherwise fails the run and keeps its watermark.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { QUEUE_NAMES } from '../../src/queue/queues.ts';
import { startRun } from '../../src/run/start.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import { DEFAULT_DATASET, holdUpserts, openConsentStack } from '../e2e/helpers/consent-stack.ts';
import { StackPool, waitFor } from '../e2e/helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('an emptied queue', () => {
  it('ends the run failed, not completed, and moves no watermark', async () => {
    // Enough members for full write batches while pages are still read (smaller chains wait for the read's end).
    const c = await openConsentStack(pool, 89, {
      ...DEFAULT_DATASET,
      mailchimp: { audiences: 1, membersPerAudience: 1_000 },
    });
    const { app, config } = c.stack;
    const upserts = holdUpserts();
    c.hooks.current = upserts.hooks;
    const run = await startRun(app, {
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    const hubspot = app.queues.byName[QUEUE_NAMES.hubspot];
    await waitFor(
      'write batches to wait',
      async () => upserts.started() > 0 && (await hubspot.getWaitingCount()) > 0,
      20_000,
    );
    // Someone empties the HubSpot queue while the first batches are being written.
    await hubspot.drain();
    upserts.release();
    await waitFor(
      'the run to end',
      async () => (await app.store.getRun(run.id))?.finishedAt !== null,
      30_000,
    );

    const ended = await app.store.getRun(run.id);
    expect(ended?.status).toBe('failed');
    expect(ended?.error).toMatch(/record\(s\) read have no outcome/);
    expect(await new WatermarkStore(app.redis, config.queuePrefix).all()).toEqual({});
  }, 60_000);
});
