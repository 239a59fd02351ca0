/**
 * Import mode: when the import step stops for good (HubSpot refuses the imports, e.g. without the `crm.import`
 * scope; an answer that cannot be read; a call that still fails on the step's last attempt), the records still
 * staged for it end failed with the reason and kept for `esp-sync retry-failed` (which writes them by batch
 * upserts), so no record the run read is left without an outcome. Their opt-outs were written by their write
 * batches already; their subscriptions wait for the retry, as after a failed upsert. A run that fails before its
 * import step has its staged records failed the same way by its release job (release-run.ts).
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
} from '../errors/index.ts';
import { importKeys } from '../run/imports.ts';
import { isLastAttempt } from './attempts.ts';
import type { WorkerContext } from './context.ts';
import { scanStaged } from './import-staging.ts';
import { writtenFromRow } from './import-step.ts';
import { persistSettled, settleWritten } from './write-settle.ts';

/** Whether this error ends the import step for good (the run stops) rather than waiting or retrying. */
export function endsImportStep(err: unknown, job: Job): boolean {
  // Polling between reads, and waits for HubSpot's limits, are no failure and use no attempt.
  if (err instanceof DelayedError || err instanceof RateLimitedError || err instanceof QuotaExhaustedError) {
    return false;
  }
  const stops = [AuthError, ConfigError, MalformedResponseError, UnrecoverableError];
  return stops.some((type) => err instanceof type) || isLastAttempt(job);
}

/** Why a staged record was not written, for its row. */
export const importStopped = (why: string) => `not written: ${why}; esp-sync retry-failed writes it again`;

/**
 * Fails every staged record that has no row yet (records of imports already settled keep theirs) with `reason`.
 * Also for a run that failed before its import step (a source page that failed for good fails the read phase).
 */
export async function failUnsettledImports(ctx: WorkerContext, runId: string, reason: string): Promise<void> {
  const key = importKeys(ctx.config.queuePrefix, runId).staged;
  for await (const chunk of scanStaged(ctx.redis, key)) {
    const staged = chunk.flatMap(([, records]) => records);
    const rows = await ctx.store.getRows(
      runId,
      staged.map((s) => s.record.key),
    );
    const open = staged.filter((s) => !rows.has(s.record.key));
    if (open.length > 0) await persistSettled(ctx, runId, settleWritten(writtenFromRow(open, reason)));
  }
}
