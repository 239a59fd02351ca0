import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { ConfigError } from '../../errors/index.ts';
import { fixDifferences, isFixable, type FixResult } from '../../verify/fix.ts';
import { fixText, verifyCsv, verifyText } from '../../verify/format.ts';
import { verify } from '../../verify/verify.ts';
import { verifyDeps } from '../../verify/wiring.ts';
import { ExitCode } from '../exit-codes.ts';
import { createProgressReporter } from '../progress.ts';
import { collect, sourcesAndConfig } from '../shared.ts';

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
      try {
        const deps = verifyDeps(app, {
          progress: (message) => process.stderr.write(`verify: ${message}\n`),
          ...(reporter ? { onRunTick: (s) => reporter.tick(s) } : {}),
        });
        let report = await verify(deps.verify, scope);
        let fixed: FixResult | null = null;
        if (opts.fix && isFixable(report.differences)) {
          if (!opts.json && !opts.csv) process.stdout.write(verifyText(report));
          fixed = await fixDifferences(deps.fix, report.differences, scope);
          reporter?.stop();
          if (!opts.json && !opts.csv) process.stdout.write(`${fixText(fixed)}Verifying again.\n`);
          report = await verify(deps.verify, scope);
        }
        const json = fixed ? { ...report, fix: fixed } : report;
        process.stdout.write(
          opts.json ? `${JSON.stringify(json)}\n` : opts.csv ? verifyCsv(report) : verifyText(report),
        );
        process.exitCode = report.ok ? ExitCode.Ok : ExitCode.FinishedWithFailures;
      } finally {
        reporter?.stop();
        await app.close();
      }
    });
}
