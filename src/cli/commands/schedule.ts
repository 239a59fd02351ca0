import type { Command } from 'commander';
import { createApp, type App } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';
import { QUEUE_NAMES } from '../../queue/queues.ts';
import { Schedules } from '../../run/schedules.ts';
import { lastFirings, scheduleLine } from '../schedule-history.ts';
import { collect, configFor, parseSources, sourceOption } from '../shared.ts';

async function withSchedules<T>(app: App, fn: (s: Schedules) => Promise<T>): Promise<T> {
  try {
    return await fn(new Schedules(app.queues.byName[QUEUE_NAMES.runs], app.redis, app.config.queuePrefix));
  } finally {
    await app.close();
  }
}

interface AddOptions {
  source: string;
  audience?: string[];
  cron: string;
  timezone?: string;
  verify?: boolean;
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Recurring incremental syncs (BullMQ job schedulers)');
  schedule
    .command('add')
    .description('Add (or replace) a recurring sync of a source, or with --verify a recurring verify')
    .addOption(sourceOption())
    .option('--audience <id>', 'Mailchimp audience id (repeatable)', collect, [])
    .requiredOption('--cron <pattern>', 'cron pattern, e.g. "0 * * * *" for hourly')
    .option('--timezone <tz>', 'IANA time zone of the cron pattern, e.g. Europe/Stockholm')
    .option(
      '--verify',
      'a recurring verify instead of a sync: writes nothing, alerts (ALERT_WEBHOOK_URL) when an opt-out is missing',
    )
    .action(async (opts: AddOptions) => {
      const sources = parseSources(opts.source);
      const app = await createApp(configFor(sources));
      const id = await withSchedules(app, (s) =>
        s.add({
          sources,
          audiences: opts.audience ?? [],
          cron: opts.cron,
          ...(opts.timezone ? { timezone: opts.timezone } : {}),
          ...(opts.verify ? { verify: true } : {}),
        }),
      );
      process.stdout.write(`${id}\n`);
    });
  schedule
    .command('list')
    .description(
      'List recurring syncs: next firing, the last firing with its run and result, and how many were skipped',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const app = await createApp(loadConfig());
      const list = await withSchedules(app, async (s) => {
        const schedules = await s.list();
        const last = await lastFirings(
          s.queue,
          app.store,
          schedules.map((x) => x.id),
        );
        return schedules.map((info) => ({ ...info, lastFiring: last.get(info.id) ?? null }));
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stdout.write(
          'No schedules. Add one with: esp-sync schedule add --source … --cron "0 * * * *"\n',
        );
      }
      for (const s of list) process.stdout.write(`${scheduleLine(s, s.lastFiring ?? undefined)}\n`);
    });
  schedule
    .command('remove')
    .description('Remove a recurring sync')
    .argument('<id>', 'schedule id (see esp-sync schedule list)')
    .action(async (id: string) => {
      const app = await createApp(loadConfig());
      const removed = await withSchedules(app, (s) => s.remove(id));
      if (!removed) throw new ConfigError(`No schedule "${id}": see \`esp-sync schedule list\`.`);
      process.stdout.write(`removed ${id}\n`);
    });
}
