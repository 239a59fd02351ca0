import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { ConfigError } from '../../errors/index.ts';
import {
  FIX_MIGRATION_KINDS,
  FIX_OPT_OUT_KINDS,
  fixDifferences,
  isFixable,
  type FixResult,
} from '../../verify/fix.ts';
import { fixText, verifyText } from '../../verify/format.ts';
import { differenceLines, firstDifferences, verifyJsonLines } from '../../verify/run-report.ts';
import { VerifyRunStore } from '../../verify/run-store.ts';
import { startVerifyRun, VerifyCancelledError } from '../../verify/verify-run.ts';
import { verifyDeps } from '../../verify/wiring.ts';
import { ExitCode } from '../exit-codes.ts';
import { createProgressReporter } from '../progress.ts';
import { collect, sourcesAndConfig } from '../shared.ts';

/** What the text report lists per kind (the run's report has them all). */
const SHOWN_PER_KIND = 50;

async function writeLines(lines: AsyncIterable<string>): Promise<void> {
  for await (const line of lines) {
    if (!process.stdout.write(`${line}\n`)) await new Promise((r) => process.stdout.once('drain', r));
  }
}

interface VerifyCommandOptions {
  source?: string;
  audience?: string[];
  json?: boolean;
  csv?: boolean;
  fix?: boolean;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Compare HubSpot with what the sources call for; exit 1 when an opt-out is missing')
    .option('--source <source>', 'mailchimp, constant-contact or all (default: every configured source)')
    .option('--audience <id>', 'Mailchimp audience id (repeatable; default: every audience)', collect, [])
    .option(
      '--json',
      'print the report as JSON (with --fix: the report after the fix, and what the fix wrote)',
    )
    .option('--csv', 'print one row per difference as CSV (kind, email, detail, keys)')
    .option('--fix', 'write the missing opt-outs, start a full migration for the rest, then verify again')
    .action(async (opts: VerifyCommandOptions) => {
      if (opts.json && opts.csv) throw new ConfigError('--json and --csv exclude each other: pick one.');
      const { config, sources } = sourcesAndConfig(opts.source);
      const scope = { sources, audiences: opts.audience ?? [] };
      const app = await createApp(config);
      const reporter = opts.fix ? createProgressReporter() : null;
      // Ctrl-C cancels the verify run it is on (it ends `cancelled` after its current page or chunk, instead of
      // staying `running`); a second Ctrl-C quits at once.
      let current: string | null = null;
      let interrupted = false;
      const onInterrupt = () => {
        interrupted = true;
        process.stderr.write('verify: stopping after the current page (Ctrl-C again quits at once)\n');
        if (current) void app.store.requestCancel(current);
      };
      process.once('SIGINT', onInterrupt);
      try {
        const deps = verifyDeps(app, {
          progress: (message) => process.stderr.write(`verify: ${message}\n`),
          ...(reporter ? { onRunTick: (s) => reporter.tick(s) } : {}),
        });
        // Each verify is a run: its differences go to Redis as they are found, and are printed from there.
        const runs = new VerifyRunStore(app.store);
        const once = () =>
          startVerifyRun({ ...deps.verify, keepDifferences: false }, runs, scope, (runId) => {
            current = runId;
            if (interrupted) void app.store.requestCancel(runId);
            process.stderr.write(
              `verify: run ${runId} (\`esp-sync report ${runId}\` lists its differences)\n`,
            );
          });
        const shown = async (runId: string) => firstDifferences(runs, runId, SHOWN_PER_KIND);
        let { runId, report } = await once();
        let fixed: FixResult | null = null;
        if (opts.fix) {
          // Every opt-out is listed (and written); one difference of each other kind tells whether to migrate.
          const optOuts = await firstDifferences(runs, runId, Number.MAX_SAFE_INTEGER, FIX_OPT_OUT_KINDS);
          const others = await firstDifferences(runs, runId, 1, FIX_MIGRATION_KINDS);
          if (isFixable([...optOuts, ...others])) {
            if (!opts.json && !opts.csv) {
              process.stdout.write(verifyText({ ...report, differences: await shown(runId) }));
            }
            fixed = await fixDifferences(deps.fix, [...optOuts, ...others], scope);
            reporter?.stop();
            if (!opts.json && !opts.csv) process.stdout.write(`${fixText(fixed)}Verifying again.\n`);
            ({ runId, report } = await once());
          }
        }
        const { differences: _none, ...summary } = report;
        if (opts.json) {
          await writeLines(
            verifyJsonLines({ runId, ...summary, ...(fixed ? { fix: fixed } : {}) }, runs, runId),
          );
        } else if (opts.csv) await writeLines(differenceLines(runs, runId, 'csv'));
        else process.stdout.write(verifyText({ ...report, differences: await shown(runId) }));
        process.exitCode = report.ok ? ExitCode.Ok : ExitCode.FinishedWithFailures;
      } catch (err) {
        if (!(interrupted && err instanceof VerifyCancelledError)) throw err;
        process.stderr.write(`verify: run ${current} cancelled; it proves nothing.\n`);
        process.exitCode = ExitCode.Interrupted;
      } finally {
        process.off('SIGINT', onInterrupt);
        reporter?.stop();
        await app.close();
      }
    });
}
