/**
 * Import mode, a run that fails before its import: one source cannot be read (every Constant Contact request
 * fails), so the read phase fails while the other source's write batches have already written their opt-outs
 * and staged their contacts, or its records wait in their chains' tails for the end of the read phase. Those
 * records still end in an outcome the report shows and `retry-failed` can write again, before the run's
 * sources are free for the next run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { plantedDataset } from './helpers/datasets.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'esp-import-failed-run-'));
const pool = new StackPool();
afterEach(() => pool.closeAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import mode, a run that fails before its import', () => {
  it('fails every staged record, kept for retry-failed, before the source lock is released', async () => {
    const { dataset } = plantedDataset({
      seed: 74,
      mailchimp: { audiences: 1, membersPerAudience: 120 },
      constantContact: { contacts: 40 },
      overlap: 0.3,
      hubspotPreexisting: { contacts: 10, optedOutShare: 0.3 },
    });
    const stack = await pool.open({
      sandbox: { seed: 74, limits: false, dataset, faults: { constantContact: { errorRate: 1 } } },
      env: { IMPORT_POLL_MS: '100', IMPORT_DIR: dir },
    });
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode: 'import' });
    expect(done.run.status).toBe('failed');
    const lock = `${stack.config.queuePrefix}:run-lock:mailchimp`;
    await waitFor(
      'the run’s source lock to be released',
      async () => !(await stack.app.redis.exists(lock)),
      60_000,
    );

    expect(await stack.app.store.recordsWithoutOutcome(done.run.id)).toBe(0);
    const rows = [...(await rowsOf(stack.app.store, done.run.id)).values()];
    const mailchimp = rows.filter((r) => r.source === 'mailchimp');
    expect(mailchimp.length).toBeGreaterThan(100);
    // Staged for the import, or still waiting in a chain's tail for the end of the read phase (full batches):
    // either way failed with the reason, for retry-failed.
    const failed = mailchimp.filter(
      (r) =>
        r.outcome === 'failed' && /HubSpot import|before this record’s batch was sent/.test(r.reason ?? ''),
    );
    expect(failed.length).toBeGreaterThan(50);
    const kept = await stack.app.store.deadLetterKeys(
      done.run.id,
      failed.map((r) => r.key),
    );
    expect(kept.size).toBe(failed.length);
  }, 120_000);
});
