import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import {
  collect,
  configFor,
  parseSources,
  sourceOption,
  TIMEOUT_OPTION_HELP,
  waitOptions,
} from '../shared.ts';
import { startAndMaybeFollow } from './migrate.ts';

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
    .action(
      async (opts: {
        source: string;
        audience?: string[];
        wait?: boolean;
        timeout?: string;
        json?: boolean;
      }) => {
        const sources = parseSources(opts.source);
        const { wait, timeoutSeconds } = waitOptions(opts);
        const app = await createApp(configFor(sources));
        try {
          await startAndMaybeFollow(app, {
            sources,
            audiences: opts.audience ?? [],
            ignoreFingerprints: false,
            kind: 'sync',
            wait,
            timeoutSeconds,
            json: opts.json ?? false,
          });
        } finally {
          await app.close();
        }
      },
    );
}
