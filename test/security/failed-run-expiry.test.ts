/**
 * Personal data of a run that fails in its read phase (finalize never runs) still expires: every per-run key
 * gets its expiry when it is created.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { AuthError } from '../../src/errors/index.ts';
import { startRun } from '../../src/run/start.ts';
import { openConsentStack } from '../e2e/helpers/consent-stack.ts';
import { StackPool, waitFor } from '../e2e/helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('a run that fails before finalize', () => {
  it('leaves no per-run key without an expiry', async () => {
    const c = await openConsentStack(pool, 88);
    const { app, config } = c.stack;
    let runId = '';
    // The read phase writes rows and write batches, then a page fails for good.
    c.mailchimpHooks.current = (real) => ({
      memberPage: async (params) => {
        if (params.status !== 'cleaned') return real.memberPage(params);
        await waitFor(
          'rows of the other pages',
          async () => (await app.store.counts(runId)).counts.read > 0,
          20_000,
        );
        throw new AuthError('Mailchimp refused the API key (simulated)', 'mailchimp');
      },
    });
    runId = (
      await startRun(app, {
        sources: ['mailchimp'],
        audiences: [],
        ignoreFingerprints: false,
        kind: 'migrate',
      })
    ).id;
    await waitFor(
      'the run to fail',
      async () => (await app.store.getRun(runId))?.status === 'failed',
      20_000,
    );

    const keys = await app.redis.keys(`${config.queuePrefix}:run:${runId}*`);
    expect(keys.length).toBeGreaterThan(3);
    const ttls = await Promise.all(keys.map(async (k) => [k, await app.redis.ttl(k)] as const));
    expect(ttls.filter(([, ttl]) => ttl <= 0)).toEqual([]);
  }, 60_000);
});
