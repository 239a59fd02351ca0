/**
 * A run that fails keeps its source lock until its last job has ended: a second run of the same source must
 * not start while the failed run's write batches are still writing the same people.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { AuthError } from '../../src/errors/index.ts';
import { RunBusyError, startRun } from '../../src/run/start.ts';
import type { RunOptions } from '../../src/run/types.ts';
import { DEFAULT_DATASET, holdUpserts, openConsentStack } from './helpers/consent-stack.ts';
import { StackPool, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('a failed run and its source lock', () => {
  it('keeps the lock while its write batches still run, and frees it once they have ended', async () => {
    // Enough members for full write batches while pages are still read (smaller chains wait for the read's end).
    const c = await openConsentStack(pool, 86, {
      ...DEFAULT_DATASET,
      mailchimp: { audiences: 1, membersPerAudience: 1_000 },
    });
    const { app, config } = c.stack;
    const upserts = holdUpserts();
    c.hooks.current = upserts.hooks;
    // One page of the run fails for good (credentials refused) while write batches of other pages are running.
    c.mailchimpHooks.current = (real) => ({
      memberPage: async (params) => {
        if (params.status !== 'cleaned') return real.memberPage(params);
        await waitFor('a write batch to start', () => upserts.started() > 0, 20_000);
        throw new AuthError('Mailchimp refused the API key (simulated)', 'mailchimp');
      },
    });
    const options: RunOptions = {
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    };
    const run = await startRun(app, options);
    await waitFor(
      'the run to fail',
      async () => (await app.store.getRun(run.id))?.status === 'failed',
      20_000,
    );

    await expect(startRun(app, options)).rejects.toBeInstanceOf(RunBusyError);
    upserts.release();
    const lock = `${config.queuePrefix}:run-lock:mailchimp`;
    await waitFor('the lock to be freed', async () => (await app.redis.exists(lock)) === 0, 30_000);
    c.mailchimpHooks.current = () => ({});
    const next = await startRun(app, options);
    expect(next.id).not.toBe(run.id);
  }, 60_000);
});
