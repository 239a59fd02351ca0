/**
 * One verify as a run: its progress and differences go to the run store as verify finds them, and it ends
 * `completed` when HubSpot holds every opt-out, `completed_with_errors` when one is missing or unprovable,
 * `failed` when it could not finish, or `cancelled` (`esp-sync cancel`, checked after each page and chunk).
 * The CLI runs it in its own process; a scheduled verify runs it on a worker.
 */
import { errorMessage, RuntimeError } from '../errors/index.ts';
import type { SourceName } from '../core/contact.ts';
import type { VerifyRunStore } from './run-store.ts';
import { verify, type VerifyDeps, type VerifyReport } from './verify.ts';

/** Thrown out of verify when its run was cancelled. */
export class VerifyCancelledError extends RuntimeError {}

export async function runVerify(
  deps: VerifyDeps,
  runs: VerifyRunStore,
  runId: string,
  scope: { sources: SourceName[]; audiences: string[] },
): Promise<VerifyReport> {
  const store = runs.runs;
  await store.markStarted(runId);
  try {
    const report = await verify(
      {
        ...deps,
        heartbeat: async (progress) => {
          await runs.setProgress(runId, progress);
          if (await store.isCancelRequested(runId)) {
            throw new VerifyCancelledError(`Verify run ${runId} was cancelled.`);
          }
        },
        onDifferences: (listed, found) => runs.addDifferences(runId, listed, found),
      },
      scope,
    );
    const { differences: _listed, ...summary } = report;
    await runs.setSummary(runId, summary);
    await store.finish(runId, report.ok ? 'completed' : 'completed_with_errors');
    return report;
  } catch (err) {
    if (err instanceof VerifyCancelledError) await store.finish(runId, 'cancelled');
    else await store.finish(runId, 'failed', errorMessage(err));
    throw err;
  }
}

/** Creates a verify run and runs it to its end: the run id and the report. */
export async function startVerifyRun(
  deps: VerifyDeps,
  runs: VerifyRunStore,
  scope: { sources: SourceName[]; audiences: string[] },
  onCreated: (runId: string) => void = () => undefined,
): Promise<{ runId: string; report: VerifyReport }> {
  const run = await runs.create(scope);
  onCreated(run.id);
  return { runId: run.id, report: await runVerify(deps, runs, run.id, scope) };
}
