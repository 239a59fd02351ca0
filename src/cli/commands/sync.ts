import type { Command } from 'commander';
import { collect, sourceOption, TIMEOUT_OPTION_HELP } from '../shared.ts';
import { DRY_RUN_HELP, runFromCommand, type RunCommandOptions } from './migrate.ts';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'Run one incremental sync now (the first sync of a source without a watermark reads everything)',
    )
    .addOption(sourceOption())
    .option('--audience <id>', 'Mailchimp audience id (repeatable; default: every audience)', collect, [])
    .option('--wait', 'follow the run to the end and print its summary')
    .option('--timeout <seconds>', TIMEOUT_OPTION_HELP)
    .option('--json', 'print JSON (with --wait the last line is the summary object)')
    .option('--dry-run', DRY_RUN_HELP)
    .action(async (opts: Omit<RunCommandOptions, 'full'>) => {
      await runFromCommand(opts, 'sync');
    });
}
