/**
 * A run shows where it is (reading and writing, subscribing, finishing) with the subscribe phase's own
 * progress, and a run can be cancelled cleanly: no record half-written, the opt-outs it queued still written,
 * nobody subscribed, its watermark unmoved, its source lock freed.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { progressOf, snapshot, type RunProgress } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import type { RunOptions } from '../../src/run/types.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import { CANCELLED_WRITE } from '../../src/workers/write-batch.ts';
import { DEFAULT_DATASET, holdUpserts, openConsentStack } from './helpers/consent-stack.ts';
import { consentOf } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());
const BOTH: RunOptions = {
  sources: ['mailchimp', 'constant-contact'],
  audiences: [],
  ignoreFingerprints: false,
  kind: 'migrate',
};

describe('run phases and cancel', () => {
  it('shows the subscribe phase with its own progress while subscriptions are written', async () => {
    const c = await openConsentStack(pool, 95);
    const { app } = c.stack;
    let runId = '';
    const seen: (RunProgress & { status: string })[] = [];
    c.hooks.current = (real) => ({
      subscribe: async (inputs) => {
        const s = await snapshot(app.store, runId);
        if (s) seen.push({ ...progressOf(s), status: s.run.status });
        return real.subscribe(inputs);
      },
    });
    runId = (await startRun(app, BOTH)).id;
    await waitFor('the run to end', async () => (await app.store.getRun(runId))?.finishedAt !== null, 30_000);

    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ phase: 'subscribing', status: 'running' });
    expect(seen[0]!.subscribe!.total).toBeGreaterThan(0);
    const done = (await snapshot(app.store, runId))!;
    expect(done.run.phase).toBe('done');
    expect(done.run.subscribe.done).toBe(done.run.subscribe.total);
    expect(done.counts.subscribed).toBeGreaterThan(0);
  }, 60_000);

  it('cancels a running run: opt-outs queued are written, nobody is subscribed, nothing moves the watermark', async () => {
    // Enough records for more full batches than the four the held workers start before the cancel.
    const c = await openConsentStack(pool, 96, {
      ...DEFAULT_DATASET,
      mailchimp: { audiences: 1, membersPerAudience: 700 },
      constantContact: { contacts: 300 },
    });
    const { app, sandbox, config } = c.stack;
    const upserts = holdUpserts();
    c.hooks.current = upserts.hooks;
    const run = await startRun(app, BOTH);
    await waitFor('a write batch to start', () => upserts.started() > 0, 20_000);
    expect((await app.store.requestCancel(run.id))?.cancelRequested).toBe(true);
    upserts.release();
    await waitFor(
      'the run to end',
      async () => (await app.store.getRun(run.id))?.finishedAt !== null,
      30_000,
    );

    const ended = (await snapshot(app.store, run.id))!;
    expect(ended.run.status).toBe('cancelled');
    expect(ended.counts.subscribed).toBe(0);
    const rows = [...(await rowsOf(app.store, run.id)).values()];
    expect(rows.some((r) => r.reason === CANCELLED_WRITE)).toBe(true);
    // Every opt-out record the run read was written, even after the cancel.
    const optOutRows = rows.filter((r) => ['unsubscribed', 'cleaned'].includes(r.sourceStatus) && r.email);
    expect(optOutRows.length).toBeGreaterThan(0);
    for (const r of optOutRows) {
      expect([r.key, consentOf(sandbox.hubspot.snapshot(), r.email!).optedOutOfAll]).toEqual([r.key, true]);
    }
    const after = sandbox.hubspot.snapshot();
    expect(
      Object.values(after.statuses).filter((s) =>
        Object.values(s.subscriptions).some((t) => t.status === 'SUBSCRIBED'),
      ).length,
    ).toBe(
      sandbox.dataset.hubspot.contacts.filter((h) =>
        Object.values(h.subscriptions ?? {}).includes('SUBSCRIBED'),
      ).length,
    );
    expect(await new WatermarkStore(app.redis, config.queuePrefix).all()).toEqual({});
    // The source lock is free: a new run starts.
    c.hooks.current = () => ({});
    const next = await c.run({ sources: ['mailchimp'] });
    expect(next.run.status).not.toBe('cancelled');
  }, 60_000);
});
