/**
 * Import mode (`esp-sync migrate --mode import`): the same seed migrated with batch upserts and with HubSpot
 * imports ends in the same HubSpot, record by record, with far fewer HubSpot calls; opt-outs are written
 * before any import starts and no import undoes them; a row HubSpot's import refuses ends as a failed,
 * retryable record; a worker killed while an import runs is replaced by one that polls that import instead of
 * starting a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { loadRunPage } from '../../src/dashboard/run-data.ts';
import { renderRunPage } from '../../src/dashboard/run-page-view.ts';
import { snapshot as runSnapshot } from '../../src/run/follow.ts';
import { startRun } from '../../src/run/start.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { startSandbox, type CallCounts } from '../../src/sandbox/index.ts';
import { expectedState } from '../helpers/expected-state.ts';
import { REDIS_URL } from '../helpers/redis.ts';
import { plantedDataset } from './helpers/datasets.ts';
import {
  MARKETING,
  consentByEmail,
  contactsByEmail,
  hubspotCalls,
  propertiesByEmail,
  WRITE_ROUTES,
} from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';
import { runEndsUnder, spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const OPTIONS = {
  seed: 71,
  mailchimp: { audiences: 2, membersPerAudience: 300 },
  constantContact: { contacts: 300 },
  overlap: 0.5,
  hubspotPreexisting: { contacts: 30, optedOutShare: 0.3 },
};

const dirs: string[] = [];
const importDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'esp-import-test-'));
  dirs.push(dir);
  return dir;
};
const pool = new StackPool();
const processes: WorkerProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await pool.closeAll();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const IMPORT_ENV = { IMPORT_POLL_MS: '100', CONSTANT_CONTACT_RATE_LIMIT: '100' };
const totalCalls = (c: CallCounts) => c.hubspot.calls;

async function migrate(mode: 'batch' | 'import', env: Record<string, string> = {}) {
  const { dataset, planted } = plantedDataset(OPTIONS);
  const stack = await pool.open({
    sandbox: { seed: OPTIONS.seed, limits: false, dataset },
    env: { ...IMPORT_ENV, IMPORT_DIR: importDir(), ...env },
  });
  const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode });
  const rows = await rowsOf(stack.app.store, done.run.id);
  const snapshot = stack.sandbox.hubspot.snapshot();
  const calls = stack.sandbox.callCounts();
  await pool.closeStack(stack);
  return { dataset, planted, done, rows, snapshot, calls };
}

/**
 * What a report row says about a record, without the created/updated split an import cannot tell apart. Where
 * one person has several records, which of them writes and which finds its properties set by a newer record
 * ("unchanged") follows the order the jobs ran in, in either mode: for those records "written" stands for all.
 */
function gists(rows: Map<string, RecordRow>): Map<string, string> {
  const perEmail = new Map<string, number>();
  for (const r of rows.values()) perEmail.set(r.email ?? '', (perEmail.get(r.email ?? '') ?? 0) + 1);
  const written = (r: RecordRow) =>
    ['created', 'updated'].includes(r.outcome) ||
    (r.outcome === 'unchanged' && (perEmail.get(r.email ?? '') ?? 0) > 1);
  return new Map(
    [...rows].map(([key, r]) => [
      key,
      JSON.stringify({
        outcome: written(r) ? 'written' : r.outcome,
        consent: r.consent,
        failed: r.outcome === 'failed',
      }),
    ]),
  );
}

describe('import mode', () => {
  it('reaches the batch mode’s HubSpot record by record, with imports instead of upserts, opt-outs first', async () => {
    // One job at a time: where one person has several records, the record that sets the contact's properties
    // last follows the order the batches run in, and with one worker that order is the same in both runs.
    const batch = await migrate('batch', { WORKER_CONCURRENCY: '1' });
    const imported = await migrate('import', { WORKER_CONCURRENCY: '1' });
    const want = expectedState(imported.dataset);

    expect(imported.done.run.mode).toBe('import');
    expect(imported.done.run.status).toBe(batch.done.run.status);
    // Every record ends the same way (written, unchanged, skipped or failed; the same consent).
    expect([...imported.rows.keys()].sort()).toEqual([...batch.rows.keys()].sort());
    const [inBatch, inImport] = [gists(batch.rows), gists(imported.rows)];
    const differ = [...inBatch].filter(([key, g]) => inImport.get(key) !== g);
    expect(differ.map(([key, g]) => [key, g, inImport.get(key)])).toEqual([]);
    const { created, updated, unchanged, ...counts } = imported.done.counts;
    const { created: c0, updated: u0, unchanged: n0, ...batchCounts } = batch.done.counts;
    expect(counts).toEqual(batchCounts);
    expect(created + updated + unchanged).toBe(c0 + u0 + n0);

    // The same HubSpot: contacts once each, consent per email, properties (those HubSpot sets aside).
    const got = imported.snapshot;
    expect([...contactsByEmail(got).keys()].sort()).toEqual(
      [...contactsByEmail(batch.snapshot).keys()].sort(),
    );
    expect([...contactsByEmail(got).values()].filter((l) => l.length > 1)).toEqual([]);
    expect(Object.fromEntries(consentByEmail(got))).toEqual(
      Object.fromEntries(consentByEmail(batch.snapshot)),
    );
    expect(Object.fromEntries(propertiesByEmail(got))).toEqual(
      Object.fromEntries(propertiesByEmail(batch.snapshot)),
    );
    for (const email of want.optedOut) {
      expect([email, got.statuses[email]?.optedOutOfAll]).toEqual([email, true]);
    }
    expect(got.history.resubscribeAttempts).toEqual([]);

    // Imports, not upserts: a handful of calls instead of one per 100 contacts.
    expect(hubspotCalls(imported.calls, WRITE_ROUTES.upsert)).toBe(0);
    expect(hubspotCalls(imported.calls, /^POST \/crm\/v3\/imports$/)).toBe(got.imports.length);
    expect(got.imports.length).toBeGreaterThanOrEqual(1);
    expect(got.imports.every((i) => i.state === 'DONE')).toBe(true);
    // Polls cost calls per second an import runs, not per contact: on 900 records they cost about what the
    // full upsert batches do; the gap widens with the audience (the benchmark's calls-import scenario).
    const upserts = hubspotCalls(batch.calls, WRITE_ROUTES.upsert);
    const importCalls = hubspotCalls(imported.calls, /^(POST|GET) \/crm\/v3\/imports/);
    expect(upserts).toBeGreaterThanOrEqual(8);
    expect(hubspotCalls(imported.calls, /^POST \/crm\/v3\/imports$/)).toBeLessThanOrEqual(upserts / 4);
    expect(totalCalls(imported.calls)).toBe(totalCalls(batch.calls) - upserts + importCalls);

    // Everyone the run subscribed became a marketing contact through the marketable import; nobody whose
    // consent is not "subscribe" did (those HubSpot already held opted out stay opted out, and are marketing).
    const marketing = new Set(
      got.contacts.filter((c) => c.properties.hs_marketable_status === 'true').map((c) => c.email!),
    );
    expect(marketing.size).toBeGreaterThan(0);
    for (const email of want.subscribed.keys()) {
      expect([email, got.statuses[email]?.subscriptions[MARKETING]?.status, marketing.has(email)]).toEqual([
        email,
        'SUBSCRIBED',
        true,
      ]);
    }
    const mayBe = new Set([...want.subscribed.keys(), ...want.keptOptedOut]);
    expect([...marketing].filter((email) => !mayBe.has(email))).toEqual([]);
    expect(batch.snapshot.contacts.some((c) => c.properties.hs_marketable_status === 'true')).toBe(false);

    // Every opt-out of the run was written before the first import started, and none was undone after.
    const firstImport = got.imports.map((i) => i.createdAt).sort()[0]!;
    const optOuts = got.history.statusChanges.filter((c) => c.scope === 'ALL' && c.to === 'OPTED_OUT');
    expect(optOuts.length).toBeGreaterThan(20);
    expect(optOuts.filter((c) => c.at > firstImport)).toEqual([]);
    expect(got.history.statusChanges.filter((c) => c.to === 'NOT_OPTED_OUT')).toEqual([]);
  }, 90_000);

  it('a row the import refuses ends as a failed record with the reason, kept for retry-failed', async () => {
    const { dataset, planted } = plantedDataset(OPTIONS);
    const stack = await pool.open({
      sandbox: { seed: OPTIONS.seed, limits: false, dataset },
      env: { ...IMPORT_ENV, IMPORT_DIR: importDir() },
    });
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode: 'import' });
    const rows = await rowsOf(stack.app.store, done.run.id);
    // Passes our email check; HubSpot's import refuses the address (INVALID_EMAIL at its line).
    const email = planted.hubspotRefused.email_address.toLowerCase();
    const refused = [...rows.values()].filter((r) => r.email === email);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ outcome: 'failed' });
    expect(refused[0]!.reason).toMatch(/^HubSpot import \d+ refused the row \(INVALID_EMAIL "[^"]+"\)/);
    const kept = await stack.app.store.deadLetterKeys(done.run.id, [refused[0]!.key]);
    expect([...kept]).toEqual([refused[0]!.key]);
    const imports = stack.sandbox.hubspot.snapshot().imports;
    expect(imports.flatMap((i) => i.errors.map((e) => e.errorType))).toEqual(['INVALID_EMAIL']);
    expect(done.run.notices.join(' ')).toMatch(/HubSpot import\(s\).*1 row error/);
    // The run page shows each import with its state.
    const page = renderRunPage((await loadRunPage(stack.app.store, done.run.id))!, { readOnly: true });
    for (const i of imports) {
      expect(page).toMatch(new RegExp(`<td>${i.id}</td>\\s*<td class="import-state">DONE</td>`));
    }
  }, 60_000);

  it('a worker killed while its imports run is replaced by one that polls them, never starting a second', async () => {
    const { dataset } = plantedDataset(OPTIONS);
    // Each import takes seconds, so the worker is killed while HubSpot still processes it.
    const sandbox = await startSandbox({
      seed: OPTIONS.seed,
      limits: false,
      dataset,
      hubspot: { importDelayMs: 8_000 },
    });
    pool.onClose(() => sandbox.close());
    const stack = await pool.open({ existingSandbox: sandbox, workers: false });
    const env = {
      ...sandbox.env,
      ...IMPORT_ENV,
      IMPORT_DIR: importDir(),
      REDIS_URL,
      QUEUE_PREFIX: stack.config.queuePrefix,
    };
    const args = ['--concurrency', '2', '--lock-duration', '3000', '--stalled-interval', '1000'];
    const first = spawnWorker(env, args);
    processes.push(first);
    const run = await startRun(stack.app, {
      sources: ['mailchimp', 'constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
      mode: 'import',
    });
    await waitFor(
      'an import to start',
      async () => {
        const s = await runSnapshot(stack.app.store, run.id);
        if (s && ['completed', 'completed_with_errors', 'failed'].includes(s.run.status)) {
          throw new Error(
            `The run ended before the kill: ${s.run.status} ${s.run.error ?? ''} ${first.output()}`,
          );
        }
        return sandbox.hubspot.snapshot().imports.length > 0;
      },
      90_000,
    );
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const atKill = sandbox.hubspot.snapshot().imports;
    expect(atKill.some((i) => i.state !== 'DONE')).toBe(true);

    const second = spawnWorker(env, args);
    processes.push(second);
    const finished = await runEndsUnder(second, stack.app.store, run.id, 60_000);
    expect(finished.run.status).toBe('completed_with_errors');
    const got = sandbox.hubspot.snapshot();
    // The imports started before the kill are the run's only imports: polled to the end, none started twice.
    expect(got.imports.map((i) => i.name).sort()).toEqual(
      [...new Set(got.imports.map((i) => i.name))].sort(),
    );
    expect(got.imports.slice(0, atKill.length).map((i) => i.id)).toEqual(atKill.map((i) => i.id));
    expect(hubspotCalls(sandbox.callCounts(), /^POST \/crm\/v3\/imports$/)).toBe(got.imports.length);
    expect(got.imports.every((i) => i.state === 'DONE')).toBe(true);
    // And every record settled: the rows are those of the sources, HubSpot holds what they call for.
    const want = expectedState(dataset);
    const rows = await rowsOf(stack.app.store, run.id);
    expect([...rows.keys()].sort()).toEqual([...want.records.keys()].sort());
    expect([...contactsByEmail(got).keys()].filter((e) => !want.contactEmails.has(e))).toEqual([]);
    for (const email of want.optedOut) {
      expect([email, got.statuses[email]?.optedOutOfAll]).toEqual([email, true]);
    }
    for (const email of want.subscribed.keys()) {
      expect([email, got.statuses[email]?.subscriptions[MARKETING]?.status]).toEqual([email, 'SUBSCRIBED']);
    }
  }, 180_000);

  it('--mode auto imports from IMPORT_THRESHOLD records the sources announce, batches below; syncs always batch', async () => {
    const small = {
      ...OPTIONS,
      mailchimp: { audiences: 1, membersPerAudience: 60 },
      constantContact: { contacts: 40 },
    };
    const { dataset } = plantedDataset(small);
    const total = expectedState(dataset).totals.read;
    const modes: Record<string, string | undefined> = {};
    for (const [threshold, name] of [
      [total, 'at the threshold'],
      [total + 1, 'below it'],
    ] as const) {
      const stack = await pool.open({
        sandbox: { seed: OPTIONS.seed, limits: false, dataset: plantedDataset(small).dataset },
        env: { ...IMPORT_ENV, IMPORT_DIR: importDir(), IMPORT_THRESHOLD: String(threshold) },
      });
      const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode: 'auto' });
      modes[name] = done.run.mode;
      expect(done.run.notices.join(' ')).toContain(`the sources announce ${total} record(s)`);
      const imported = stack.sandbox.hubspot.snapshot().imports.length;
      expect([name, imported > 0]).toEqual([name, done.run.mode === 'import']);
      if (name === 'below it') {
        const sync = await stack.run({ sources: ['mailchimp'], kind: 'sync', mode: 'import' });
        expect(sync.run.mode).toBe('batch');
        expect(stack.sandbox.hubspot.snapshot().imports).toHaveLength(0);
      }
      await pool.closeStack(stack);
    }
    expect(modes).toEqual({ 'at the threshold': 'import', 'below it': 'batch' });
  }, 90_000);

  it('splits the contacts into files of IMPORT_FILE_ROWS rows and runs at most 3 imports at once', async () => {
    const small = {
      ...OPTIONS,
      mailchimp: { audiences: 1, membersPerAudience: 80 },
      constantContact: { contacts: 60 },
    };
    const { dataset } = plantedDataset(small);
    const stack = await pool.open({
      sandbox: { seed: OPTIONS.seed, limits: false, dataset, hubspot: { importDelayMs: 300 } },
      env: { ...IMPORT_ENV, IMPORT_DIR: importDir(), IMPORT_FILE_ROWS: '15' },
    });
    let mostRunning = 0;
    let deferred = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const states = stack.sandbox.hubspot.snapshot().imports.map((i) => i.state);
        mostRunning = Math.max(
          mostRunning,
          states.filter((s) => s === 'STARTED' || s === 'PROCESSING').length,
        );
        deferred += states.filter((s) => s === 'DEFERRED').length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], mode: 'import' });
    watching = false;
    await watch;
    const got = stack.sandbox.hubspot.snapshot();
    expect(got.imports.length).toBeGreaterThan(3);
    // The imports' progress is the run's: every row HubSpot imported, of all rows.
    const importedRows = got.imports.reduce((n, i) => n + (i.counters.TOTAL_ROWS ?? 0), 0);
    expect(done.breakdown).toMatchObject({ importRows: importedRows, importRowsDone: importedRows });
    expect(got.imports.every((i) => i.state === 'DONE' && (i.counters.TOTAL_ROWS ?? 0) <= 15)).toBe(true);
    expect(mostRunning).toBeLessThanOrEqual(3);
    expect(mostRunning).toBeGreaterThan(1);
    expect(deferred).toBe(0);
    const want = expectedState(dataset);
    const rows = await rowsOf(stack.app.store, done.run.id);
    expect([...rows.keys()].sort()).toEqual([...want.records.keys()].sort());
    expect(done.counts.failed).toBe(want.totals.failed);
    for (const email of want.optedOut) {
      expect([email, got.statuses[email]?.optedOutOfAll]).toEqual([email, true]);
    }
    for (const email of want.subscribed.keys()) {
      expect([email, got.statuses[email]?.subscriptions[MARKETING]?.status]).toEqual([email, 'SUBSCRIBED']);
    }
  }, 90_000);
});
