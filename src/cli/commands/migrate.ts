import type { Command } from 'commander';
import { createApp, type App } from '../../app.ts';
import type { SourceName } from '../../config/env.ts';
import { followRun, isFinished, type RunSnapshot } from '../../run/follow.ts';
import { startRun } from '../../run/start.ts';
import type { RunKind, RunMode } from '../../run/types.ts';
import { ConfigError } from '../../errors/index.ts';
import { createProgressReporter } from '../progress.ts';
import {
  collect,
  configFor,
  exitCodeForStatus,
  parseSources,
  sourceOption,
  TIMEOUT_OPTION_HELP,
  waitOptions,
} from '../shared.ts';
import { ExitCode } from '../exit-codes.ts';
import { summaryJson, summaryText } from '../summary.ts';
import { dryRunSummary, dryRunText } from '../dry-run-summary.ts';
import { DryPlanStore } from '../../run/dry-plan.ts';

export const DRY_RUN_HELP =
  'read the sources and HubSpot and report what the run would write (per record: esp-sync report RUN_ID), with its cost; writes nothing and moves no watermark';

export interface RunCommandOptions {
  source: string;
  audience?: string[];
  full?: boolean;
  wait?: boolean;
  timeout?: string;
  json?: boolean;
  dryRun?: boolean;
  mode?: string;
}

/** `--mode`: how a migration writes contacts (syncs always batch). */
function parseMode(mode: string | undefined): RunMode | undefined {
  if (mode === undefined) return undefined;
  if (mode === 'batch' || mode === 'import' || mode === 'auto') return mode;
  throw new ConfigError(`--mode must be batch, import or auto (got "${mode}").`);
}

/** `migrate` and `sync`: the run their options describe, started and (with --wait) followed. */
export async function runFromCommand(opts: RunCommandOptions, kind: 'migrate' | 'sync'): Promise<void> {
  const sources = parseSources(opts.source);
  const { wait, timeoutSeconds } = waitOptions(opts);
  const mode = kind === 'migrate' ? parseMode(opts.mode) : undefined;
  const app = await createApp(configFor(sources));
  try {
    await startAndMaybeFollow(app, {
      sources,
      audiences: opts.audience ?? [],
      // The flag keeps its short, known name.
      ignoreFingerprints: opts.full ?? false,
      kind,
      // A dry run's output is its plan: it is always followed to the end.
      wait: wait || (opts.dryRun ?? false),
      dryRun: opts.dryRun ?? false,
      timeoutSeconds,
      json: opts.json ?? false,
      ...(mode ? { mode } : {}),
    });
  } finally {
    await app.close();
  }
}

/** Starts a run, prints its id, and with --wait follows it to the end; sets the exit code from its status. */
export async function startAndMaybeFollow(
  app: App,
  params: {
    sources: SourceName[];
    audiences: string[];
    ignoreFingerprints: boolean;
    kind: RunKind;
    wait: boolean;
    /** With wait: stop waiting after this long (the run goes on); null waits until the run ends. */
    timeoutSeconds?: number | null;
    json: boolean;
    retryOf?: string;
    dryRun?: boolean;
    mode?: RunMode;
  },
): Promise<void> {
  const run = await startRun(app, {
    sources: params.sources,
    audiences: params.audiences,
    ignoreFingerprints: params.ignoreFingerprints,
    kind: params.kind,
    ...(params.retryOf ? { retryOf: params.retryOf } : {}),
    ...(params.dryRun ? { dryRun: true } : {}),
    ...(params.mode ? { mode: params.mode } : {}),
  });
  if (!params.wait) {
    process.stdout.write(
      params.json ? `${JSON.stringify({ runId: run.id, status: run.status })}\n` : `${run.id}\n`,
    );
    return;
  }
  if (!params.json) {
    process.stdout.write(`Started run ${run.id}; following it (Ctrl-C stops following, not the run).\n`);
  }
  await warnIfNoWorker(app);
  const { snapshot: final, stoppedBy } = await followUntilDoneOrStopped(app, run.id, params.timeoutSeconds);
  if (stoppedBy) {
    if (params.json) process.stdout.write(`${summaryJson(final)}\n`);
    const why =
      stoppedBy === 'timeout'
        ? `Stopped waiting after ${params.timeoutSeconds}s`
        : 'Stopped following (Ctrl-C)';
    const noWorker =
      (await workerCount(app)) === 0 ? ' No worker is connected: start one with `esp-sync worker`.' : '';
    process.stderr.write(
      `${why}; run ${run.id} keeps going (${final.run.status}).${noWorker} Follow it again with: esp-sync status ${run.id}\n`,
    );
    process.exitCode = stoppedBy === 'timeout' ? ExitCode.RuntimeFailure : ExitCode.Interrupted;
    return;
  }
  if (final.run.dryRun) {
    const totals = await new DryPlanStore(app.redis, app.config.queuePrefix, run.id).totals();
    const summary = dryRunSummary(final, totals, app.config.hubspot?.rateLimitPer10s ?? 100);
    process.stdout.write(params.json ? `${JSON.stringify(summary)}\n` : `${dryRunText(summary)}\n`);
  } else {
    process.stdout.write(params.json ? `${summaryJson(final)}\n` : `${summaryText(final)}\n`);
  }
  process.exitCode = exitCodeForStatus(final.run.status);
}

/** Follows a run with a progress bar until it ends, the time limit passes, or Ctrl-C (which only stops following). */
async function followUntilDoneOrStopped(
  app: App,
  runId: string,
  timeoutSeconds: number | null | undefined,
): Promise<{ snapshot: RunSnapshot; stoppedBy: 'timeout' | 'interrupt' | null }> {
  const controller = new AbortController();
  let stoppedBy: 'timeout' | 'interrupt' | null = null;
  const stop = (why: 'timeout' | 'interrupt') => {
    stoppedBy ??= why;
    controller.abort();
  };
  const timer = timeoutSeconds ? setTimeout(() => stop('timeout'), timeoutSeconds * 1000) : null;
  const onInterrupt = () => stop('interrupt');
  process.once('SIGINT', onInterrupt);
  const reporter = createProgressReporter();
  try {
    const snapshot = await followRun(app.store, runId, (s) => reporter.tick(s), 1000, controller.signal);
    return { snapshot, stoppedBy: isFinished(snapshot.run) ? null : stoppedBy };
  } finally {
    reporter.stop();
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onInterrupt);
  }
}

function workerCount(app: App): Promise<number> {
  return app.queues.byName.runs.getWorkersCount();
}

async function warnIfNoWorker(app: App): Promise<void> {
  if ((await workerCount(app)) === 0) {
    process.stderr.write(
      'No worker is connected yet: start one with `esp-sync worker` (the run waits for it).\n',
    );
  }
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Start a full migration of a source (or all) into HubSpot')
    .addOption(sourceOption())
    .option('--audience <id>', 'Mailchimp audience id (repeatable; default: every audience)', collect, [])
    .option('--full', 'ignore fingerprints and rewrite every contact (repairs)')
    .option('--wait', 'follow the run to the end and print its summary')
    .option('--timeout <seconds>', TIMEOUT_OPTION_HELP)
    .option('--json', 'print JSON (with --wait the last line is the summary object)')
    .option('--dry-run', DRY_RUN_HELP)
    .option(
      '--mode <mode>',
      'batch (batch upserts), import (HubSpot imports of CSV files; consent still batch) or auto: import from IMPORT_THRESHOLD records',
      'auto',
    )
    .action(async (opts: RunCommandOptions) => {
      await runFromCommand(opts, 'migrate');
    });
}
