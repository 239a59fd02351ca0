/**
 * The import step of an import-mode run, at the end of its read phase: every write batch (and so every opt-out)
 * is done, the subscribe phase has not begun. It writes the staged contacts to CSV files, starts HubSpot
 * imports (at most 3 at a time: HubSpot defers the rest), polls them to the end, and settles each record by
 * its import row: written, or failed with HubSpot's row error (a dead letter retry-failed writes again).
 * https://developers.hubspot.com/docs/api/crm/imports
 *
 * Between polls the job waits delayed (no worker slot held). Each import id is recorded before the first poll,
 * and a file is marked `starting` before its import is started, so a worker that dies at any point resumes by
 * polling the import already started (found by its unique name when the id was not recorded yet), never by
 * starting a second one.
 */
import { DelayedError, type Job } from 'bullmq';
import type { ContactWriteResult, HubSpotImportsPort, ImportRowError, ImportStatus } from '../core/ports.ts';
import { ConfigError } from '../errors/index.ts';
import type { RunInfo } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import type { ImportFile } from '../run/imports.ts';
import { runKeys } from '../run/keys.ts';
import { ImportFiles } from './import-files.ts';
import type { StagedRecord } from './import-staging.ts';
import { persistSettled, settleWritten, type Settled, type WrittenRecord } from './write-settle.ts';

/** HubSpot runs at most 3 imports at once per account and defers the others. */
export const MAX_RUNNING_IMPORTS = 3;
const ENDED = new Set(['DONE', 'FAILED', 'CANCELED', 'REVERTED']);

/**
 * Runs the step once: returns when every import has ended and every record is settled, or throws BullMQ's
 * DelayedError after moving the job to poll again later.
 */
export async function runImportStep(
  ctx: WorkerContext,
  run: RunInfo,
  job: Job,
  token: string,
): Promise<void> {
  const port = ctx.hubspot().imports;
  if (!port) {
    throw new ConfigError('This HubSpot connection cannot start imports: migrate with --mode batch.');
  }
  const store = new ImportFiles(ctx, run.id);
  let files = await store.list();
  if (!files) {
    await ctx.store.setPhase(run.id, 'importing');
    files = await store.writeAll(run);
  }
  let running = files.filter((f) => f.importId && !ENDED.has(f.state)).length;
  for (const file of files.filter((f) => !f.importId)) {
    if (running >= MAX_RUNNING_IMPORTS) break;
    await start(port, store, file);
    running++;
  }
  for (const file of files.filter((f) => f.importId && !f.settled)) {
    if (!ENDED.has(file.state)) track(file, await port.readImport(file.importId!));
    if (ENDED.has(file.state)) {
      await settleFile(ctx, port, store, run.id, file);
      file.settled = true;
    }
    await store.save(file);
  }
  await reportImportProgress(ctx, run.id, job, files);
  if (!files.every((f) => f.settled)) {
    await job.moveToDelayed(Date.now() + ctx.config.imports.pollMs, token);
    throw new DelayedError();
  }
  await store.cleanUp(files);
  if (files.length > 0) await ctx.store.addNotice(run.id, importsNotice(files));
}

/**
 * The imports' progress as the run's: rows HubSpot has written (or settled) of all rows, in the run's breakdown
 * (`importRows`, `importRowsDone`: `esp-sync status`, the run page) and as the read phase's job progress.
 */
async function reportImportProgress(
  ctx: WorkerContext,
  runId: string,
  job: Job,
  files: ImportFile[],
): Promise<void> {
  const rows = files.reduce((n, f) => n + f.rows, 0);
  const done = files.reduce((n, f) => n + (f.settled ? f.rows : Math.min(f.rows, f.written ?? 0)), 0);
  await ctx.redis.hset(runKeys(ctx.config.queuePrefix, runId).counts, {
    importRows: rows,
    importRowsDone: done,
  });
  await job.updateProgress(rows > 0 ? Math.floor((100 * done) / rows) : 100);
}

function track(file: ImportFile, status: ImportStatus): void {
  file.state = status.state;
  file.written = status.written ?? file.written;
  file.errors = status.errors ?? file.errors;
}

async function start(port: HubSpotImportsPort, store: ImportFiles, file: ImportFile): Promise<void> {
  // Started before a crash whose answer (the id) was never recorded: that import is the file's import.
  const earlier = file.starting ? await port.findImport(file.name) : null;
  let status = earlier;
  if (!status) {
    await store.ensureOnDisk(file);
    file.starting = true;
    await store.save(file);
    status = await port.startImport({
      name: file.name,
      filePath: store.path(file),
      fileName: file.fileName,
      columns: file.columns,
      marketable: file.marketable,
    });
  }
  file.importId = status.id;
  track(file, status);
  await store.save(file);
}

/** Adds one page of an import's row errors to line number → why HubSpot did not import that row. */
export function addRowErrors(
  into: { byLine: Map<number, string>; unplaced: number },
  importId: string,
  errors: ImportRowError[],
): void {
  for (const e of errors) {
    if (e.lineNumber === null) {
      into.unplaced++;
      continue;
    }
    const value = e.invalidValue ? ` "${e.invalidValue}"` : '';
    const detail = e.message ? `: ${e.message}` : '';
    const reason = `HubSpot import ${importId} refused the row (${e.errorType}${value})${detail}`;
    // A row with several errors keeps the first.
    if (!into.byLine.has(e.lineNumber)) into.byLine.set(e.lineNumber, reason);
  }
}

async function rowErrors(
  port: HubSpotImportsPort,
  importId: string,
): Promise<{ byLine: Map<number, string>; unplaced: number }> {
  const out = { byLine: new Map<number, string>(), unplaced: 0 };
  let after: string | undefined;
  do {
    const page = await port.importErrors(importId, after);
    addRowErrors(out, importId, page.errors);
    after = page.next ?? undefined;
  } while (after);
  return out;
}

/**
 * The records of one import row with the row's result as their upsert's: every record of the address shares
 * it, as each would have had its own upsert of that address in batch mode.
 */
export function writtenFromRow(staged: StagedRecord[], reason: string | null): WrittenRecord[] {
  return staged.map((s) => {
    const { key, email } = s.record;
    const upsert: ContactWriteResult = reason
      ? { key, email, ok: false, reason }
      : { key, email, ok: true, hubspotId: '', created: !s.known };
    const { record, move, isOwner, optOut, fingerprint } = s;
    return { record, move, isOwner, optOut, fingerprint, upsert };
  });
}

/** Settles every record of a file that has ended, from its import's row errors (or its failure as a whole). */
async function settleFile(
  ctx: WorkerContext,
  port: HubSpotImportsPort,
  store: ImportFiles,
  runId: string,
  file: ImportFile,
): Promise<void> {
  const importId = file.importId!;
  const whole =
    file.state === 'DONE'
      ? null
      : `HubSpot import ${importId} ended ${file.state}: the row was not written (esp-sync retry-failed writes it again)`;
  const { byLine, unplaced } = whole
    ? { byLine: new Map<number, string>(), unplaced: 0 }
    : await rowErrors(port, importId);
  if (unplaced > 0) {
    // The next sync must read these records again to write them: the sources' watermarks stay where they were.
    await ctx.store.unpinWatermarks(runId);
    await ctx.store.addNotice(
      runId,
      `HubSpot import ${importId} reported ${unplaced} row error(s) without a line number: its rows count as written, and the next sync writes them again; run esp-sync verify to check.`,
    );
  }
  for await (const chunk of store.lines(file)) {
    const written = chunk.flatMap(({ line, staged }) =>
      writtenFromRow(staged, whole ?? byLine.get(line) ?? null),
    );
    const settled = settleWritten(written);
    await persistSettled(ctx, runId, unplaced > 0 ? unproven(settled) : settled);
  }
}

/**
 * A file with row errors HubSpot could not place: any of its rows may be one it refused, so none of them is
 * remembered as written (no fingerprint now, nor when its subscription settles): the next sync writes them again.
 */
function unproven(settled: Settled): Settled {
  return {
    ...settled,
    done: [],
    candidates: settled.candidates.map((c) => ({ ...c, fingerprints: c.fingerprints.map(() => '') })),
  };
}

function importsNotice(files: ImportFile[]): string {
  const rows = files.reduce((n, f) => n + f.rows, 0);
  const errors = files.reduce((n, f) => n + (f.errors ?? 0), 0);
  const marketing = files.filter((f) => f.marketable).reduce((n, f) => n + f.rows, 0);
  const ids = files.map((f) => `${f.importId} ${f.state}`).join(', ');
  return (
    `Contacts written through ${files.length} HubSpot import(s) (${ids}): ${rows} row(s), ${marketing} as ` +
    `marketing contacts, ${errors} row error(s) (failed records: esp-sync retry-failed writes them again).`
  );
}
