import { Option, type Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';
import { REPORT_COLUMNS, reportLines, type ReportFilter, type ReportFormat } from '../../run/report.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(`Print one row per source record of a run, with the columns ${REPORT_COLUMNS.join(', ')}`)
    .argument('<runId>', 'run id')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .addOption(new Option('--only <which>', 'only these records').choices(['failed', 'skipped', 'optedOut']))
    .action(async (runId: string, opts: { format: ReportFormat; only?: ReportFilter }) => {
      const app = await createApp(loadConfig());
      try {
        if (!(await app.store.getRun(runId))) {
          throw new ConfigError(
            `Run ${runId} does not exist under QUEUE_PREFIX=${app.config.queuePrefix} (or its data expired after the retention time): see \`esp-sync runs\`.`,
          );
        }
        for await (const line of reportLines(app.store, runId, opts.format, opts.only)) {
          if (!process.stdout.write(`${line}\n`)) await new Promise((r) => process.stdout.once('drain', r));
        }
      } finally {
        await app.close();
      }
    });
}
