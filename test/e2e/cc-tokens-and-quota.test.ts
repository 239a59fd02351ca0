/**
 * Constant Contact's guarantees end to end: a rotated (single-use) refresh token survives a worker
 * restart, and a `quota_exceeded` pauses the source's jobs and resumes them without losing a page.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { followRun, snapshot as runSnapshot } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import { QUEUE_NAMES } from '../../src/queue/queues.ts';
import { SANDBOX_DEFAULTS, generateDataset, startSandbox } from '../../src/sandbox/index.ts';
import { constantContactRecords, invalid } from '../helpers/expected-state.ts';
import { StackPool, rowsOf, sleep, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
afterEach(() => pool.closeAll());

const ccOnly = (contacts: number, seed: number) =>
  generateDataset({
    seed,
    mailchimp: { audiences: 0 },
    constantContact: { contacts },
    hubspotPreexisting: { contacts: 0 },
  });

const tokenCalls = (counts: ReturnType<Awaited<ReturnType<typeof startSandbox>>['callCounts']>) =>
  Object.entries(counts.constantContact.routes).filter(([route]) => /token/.test(route));

describe('Constant Contact tokens and quota', () => {
  it('keeps working after a restart although the seed refresh token was used up (rotating tokens)', async () => {
    const sandbox = await startSandbox({
      seed: 81,
      limits: false,
      dataset: ccOnly(100, 81),
      constantContact: { refreshTokenMode: 'rotating' },
    });
    pool.onClose(() => sandbox.close());
    const queuePrefix = pool.prefix('cc-tokens');
    const env = { CONSTANT_CONTACT_RATE_LIMIT: '100' };

    const before = await pool.open({ existingSandbox: sandbox, queuePrefix, env });
    const first = await before.run({ sources: ['constant-contact'] });
    expect(first.run.status).not.toBe('failed');
    expect(first.counts.read).toBe(100);
    const live = sandbox.constantContact.liveRefreshTokens();
    expect(live).toHaveLength(1);
    expect(live).not.toContain(SANDBOX_DEFAULTS.constantContactRefreshToken);
    await pool.closeStack(before);

    // A new process on the same Redis; its stored access token is no longer accepted, so it must refresh,
    // with the rotated token (the environment still holds the dead seed).
    sandbox.constantContact.expireAccessTokens();
    sandbox.resetCallCounts();
    const after = await pool.open({ existingSandbox: sandbox, queuePrefix, env });
    const second = await after.run({ sources: ['constant-contact'], ignoreFingerprints: true });
    expect([second.run.status, second.run.error]).toEqual(['completed', null]);
    expect(second.counts.read).toBe(100);
    const refreshes = tokenCalls(sandbox.callCounts());
    expect(refreshes.length).toBeGreaterThan(0);
    for (const [, r] of refreshes) expect(Object.keys(r.byStatus)).toEqual(['200']);
    const rotatedAgain = sandbox.constantContact.liveRefreshTokens();
    expect(rotatedAgain).toHaveLength(1);
    expect(rotatedAgain).not.toEqual(live);
  }, 30_000);

  it('pauses on quota_exceeded, finishes nothing while paused, and resumes without losing a page', async () => {
    const dataset = ccOnly(1100, 83);
    // Three definition reads and two pages of 500 fit the quota; the third page hits it.
    const stack = await pool.open({
      sandbox: { seed: 83, limits: false, dataset, constantContact: { dailyQuota: 5 } },
      env: { CONSTANT_CONTACT_RATE_LIMIT: '100' },
    });
    const queue = stack.app.queues.byName[QUEUE_NAMES.constantContact];
    const run = await startRun(stack.app, {
      sources: ['constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });

    await waitFor(
      'the Constant Contact queue to pause on the quota',
      async () => (await queue.getRateLimitTtl()) > 0,
      15_000,
    );
    const ttl = await queue.getRateLimitTtl();
    // Paused until 00:00 UTC, not for a retry's backoff.
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(ttl).toBeGreaterThan(Math.min(60_000, midnight.getTime() - Date.now() - 5_000));
    await sleep(1500);
    const paused = await runSnapshot(stack.app.store, run.id);
    expect(paused!.run.status).toBe('running');
    expect(paused!.counts.read).toBeLessThan(1100);
    expect(paused!.run.notices.join('\n')).toMatch(/quota/i);
    expect(stack.sandbox.constantContact.usedToday()).toBe(5);

    // The operator's move once the quota is back (in production the pause ends by itself at 00:00 UTC).
    stack.sandbox.constantContact.resetDay();
    await queue.removeRateLimitKey();
    // BullMQ workers re-check a rate-limited queue at most every 30 s (maximumRateLimitDelay), so this waits.
    const done = await followRun(stack.app.store, run.id, () => undefined, 200);

    const records = constantContactRecords(dataset);
    expect(done.run.status).toBe(records.some(invalid) ? 'completed_with_errors' : 'completed');
    expect(done.counts.read).toBe(records.length);
    const rows = await rowsOf(stack.app.store, run.id);
    expect([...rows.keys()].sort()).toEqual(records.map((r) => r.key).sort());
  }, 60_000);
});
