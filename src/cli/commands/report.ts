import { Option, type Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { RuntimeError } from '../../errors/index.ts';
import { reportLines, type ReportFilter, type ReportFormat } from '../../run/report.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Print one row per source record of a run: email, source, outcome, reason')
    .argument('<runId>', 'run id')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .addOption(new Option('--only <which>', 'only these records').choices(['failed', 'skipped', 'optedOut']))
    .action(async (runId: string, opts: { format: ReportFormat; only?: ReportFilter }) => {
      const app = await createApp(loadConfig());
      try {
        if (!(await app.store.getRun(runId))) {
          throw new RuntimeError(
            `Run ${runId} does not exist (or its data expired after the retention time).`,
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
