/**
 * Import mode when HubSpot refuses the imports themselves (the app lacks the `crm.import` scope, which the doctor
 * cannot check without writing): the run stops, and still every record it read ends in an outcome the report
 * shows and `retry-failed` writes again, and every opt-out is in HubSpot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { expectedState } from '../helpers/expected-state.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { contactsByEmail } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf } from './helpers/stack.ts';

const OPTIONS = {
  seed: 73,
  mailchimp: { audiences: 1, membersPerAudience: 120 },
  constantContact: { contacts: 80 },
  overlap: 0.3,
  hubspotPreexisting: { contacts: 10, optedOutShare: 0.3 },
};

const dir = mkdtempSync(join(tmpdir(), 'esp-import-refused-'));
const pool = new StackPool();
afterEach(() => pool.closeAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import mode, imports refused', () => {
  it('fails the run with every staged record failed and kept for retry-failed, opt-outs written', async () => {
    const { dataset } = plantedDataset(OPTIONS);
    const stack = await pool.open({
      sandbox: { seed: OPTIONS.seed, limits: false, dataset, hubspot: { missingScopes: ['crm.import'] } },
      env: { IMPORT_POLL_MS: '100', CONSTANT_CONTACT_RATE_LIMIT: '100', IMPORT_DIR: dir },
    });
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode: 'import' });
    expect(done.run.status).toBe('failed');
    expect(done.run.error).toMatch(/crm\.import/);

    const want = expectedState(dataset);
    const rows = await rowsOf(stack.app.store, done.run.id);
    // Every record has its row; none of them reached HubSpot as a contact.
    expect([...want.records.keys()].filter((key) => !rows.has(key))).toEqual([]);
    const written = [...rows.values()].filter((r) => r.outcome === 'created' || r.outcome === 'updated');
    expect(written.map((r) => r.key)).toEqual([]);
    const failed = [...rows.values()].filter(
      (r) => r.outcome === 'failed' && /crm\.import/.test(r.reason ?? ''),
    );
    expect(failed.length).toBeGreaterThan(50);
    const kept = await stack.app.store.deadLetterKeys(
      done.run.id,
      failed.map((r) => r.key),
    );
    expect(kept.size).toBe(failed.length);
    expect(done.counts.read).toBe(want.records.size);

    const got = stack.sandbox.hubspot.snapshot();
    for (const email of want.optedOut) {
      expect([email, got.statuses[email]?.optedOutOfAll]).toEqual([email, true]);
    }

    // retry-failed writes them (by batch upserts, which need no import scope).
    const retry = await stack.run({
      sources: ['mailchimp', 'constant-contact'],
      kind: 'retry',
      retryOf: done.run.id,
    });
    const retried = await rowsOf(stack.app.store, retry.run.id);
    // Each is written now (or unchanged where another record of the address set the properties).
    const writtenNow = failed.filter((r) => retried.has(r.key) && retried.get(r.key)!.outcome !== 'failed');
    expect(writtenNow.length).toBeGreaterThanOrEqual(failed.length - 1);
    const contacts = contactsByEmail(stack.sandbox.hubspot.snapshot());
    expect(writtenNow.filter((r) => !contacts.has(r.email!)).map((r) => r.email)).toEqual([]);
  }, 90_000);
});
