import type { Command } from 'commander';
import { createApp, type App } from '../../app.ts';
import type { SourceName } from '../../config/env.ts';
import { followRun } from '../../run/follow.ts';
import { startRun } from '../../run/start.ts';
import type { RunKind } from '../../run/types.ts';
import { createProgressReporter } from '../progress.ts';
import { collect, configFor, exitCodeForStatus, parseSources, sourceOption } from '../shared.ts';
import { summaryJson, summaryText } from '../summary.ts';

interface RunCommandOptions {
  source: string;
  audience?: string[];
  full?: boolean;
  wait?: boolean;
  json?: boolean;
}

/** Starts a run, prints its id, and with --wait follows it to the end; sets the exit code from its status. */
export async function startAndMaybeFollow(
  app: App,
  params: {
    sources: SourceName[];
    audiences: string[];
    full: boolean;
    kind: RunKind;
    wait: boolean;
    json: boolean;
    retryOf?: string;
  },
): Promise<void> {
  const run = await startRun(app, {
    sources: params.sources,
    audiences: params.audiences,
    full: params.full,
    kind: params.kind,
    ...(params.retryOf ? { retryOf: params.retryOf } : {}),
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
  const reporter = createProgressReporter();
  const final = await followRun(app.store, run.id, (s) => reporter.tick(s));
  reporter.stop();
  process.stdout.write(params.json ? `${summaryJson(final)}\n` : `${summaryText(final)}\n`);
  process.exitCode = exitCodeForStatus(final.run.status);
}

async function warnIfNoWorker(app: App): Promise<void> {
  const workers = await app.queues.byName.runs.getWorkersCount();
  if (workers === 0) {
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
    .option('--json', 'print JSON (with --wait the last line is the summary object)')
    .action(async (opts: RunCommandOptions) => {
      const sources = parseSources(opts.source);
      const app = await createApp(configFor(sources));
      try {
        await startAndMaybeFollow(app, {
          sources,
          audiences: opts.audience ?? [],
          full: opts.full ?? false,
          kind: 'migrate',
          wait: opts.wait ?? false,
          json: opts.json ?? false,
        });
      } finally {
        await app.close();
      }
    });
}
