import { Option, type Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';
import { REPORT_COLUMNS, reportLines, type ReportFilter, type ReportFormat } from '../../run/report.ts';
import { VERIFY_CSV_COLUMNS } from '../../verify/format.ts';
import { differenceLines } from '../../verify/run-report.ts';
import { VerifyRunStore } from '../../verify/run-store.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      `Print one row per source record of a run, with the columns ${REPORT_COLUMNS.join(', ')}; of a verify run, one row per difference (${VERIFY_CSV_COLUMNS.join(', ')})`,
    )
    .argument('<runId>', 'run id')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .addOption(new Option('--only <which>', 'only these records').choices(['failed', 'skipped', 'optedOut']))
    .action(async (runId: string, opts: { format: ReportFormat; only?: ReportFilter }) => {
      const app = await createApp(loadConfig());
      try {
        const run = await app.store.getRun(runId);
        if (!run) {
          throw new ConfigError(
            `Run ${runId} does not exist under QUEUE_PREFIX=${app.config.queuePrefix} (or its data expired after the retention time): see \`esp-sync runs\`.`,
          );
        }
        if (run.kind === 'verify' && opts.only) {
          throw new ConfigError(
            `Run ${runId} is a verify: its report lists differences, not records, so --only does not apply. Leave it out.`,
          );
        }
        const lines =
          run.kind === 'verify'
            ? differenceLines(new VerifyRunStore(app.store), runId, opts.format)
            : reportLines(app.store, runId, opts.format, opts.only);
        for await (const line of lines) {
          if (!process.stdout.write(`${line}\n`)) await new Promise((r) => process.stdout.once('drain', r));
        }
      } finally {
        await app.close();
      }
    });
}
