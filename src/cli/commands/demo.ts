import type { Command } from 'commander';
import { startDashboard } from '../../dashboard/server.ts';
import { demoPrefix, prepareDemoPrefix } from '../../demo/demo-prefix.ts';
import { startLocalStack, type LocalStack } from '../../demo/local-stack.ts';
import { RuntimeError } from '../../errors/index.ts';
import { createLogger } from '../../lib/logger.ts';
import { createRedis, maskRedisUrl, pingRedis } from '../../lib/redis.ts';
import type { RunSnapshot } from '../../run/follow.ts';
import { demoVerdict } from '../demo-verdict.ts';
import { createProgressReporter } from '../progress.ts';
import { parsePositiveInt } from '../shared.ts';
import { summaryText } from '../summary.ts';

interface DemoOptions {
  members: string;
  contacts: string;
  seed: string;
  port: string;
  keepOpen?: boolean;
}

async function withRedis<T>(
  url: string,
  fn: (redis: ReturnType<typeof createRedis>) => Promise<T>,
): Promise<T> {
  const redis = createRedis(url);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** The summary, then whether the run did what the seeded data calls for; sets the exit code from that. */
async function reportDemoOutcome(stack: LocalStack, final: RunSnapshot, prefix: string): Promise<void> {
  const cli = `QUEUE_PREFIX=${prefix} npx esp-sync`;
  // The verdict below says where to see the failures, with the demo's prefix.
  const summary = summaryText(final)
    .split('\n')
    .filter((line) => !line.includes('see the failures:'));
  process.stdout.write(`${summary.join('\n')}\n`);
  const state = stack.sandbox.hubspot.snapshot();
  process.stdout.write(
    `HubSpot (simulated) now holds ${state.contacts.length} contacts; resubscribe attempts: ${state.history.resubscribeAttempts.length}.\n`,
  );
  const failedReasons: (string | null)[] = [];
  for await (const rows of stack.app.store.scanRows(final.run.id)) {
    for (const row of rows) if (row.outcome === 'failed') failedReasons.push(row.reason);
  }
  const verdict = demoVerdict({
    snapshot: final,
    failedReasons,
    resubscribeAttempts: state.history.resubscribeAttempts.length,
    failuresCommand: `${cli} report ${final.run.id} --only failed`,
  });
  const out = verdict.code === 0 ? process.stdout : process.stderr;
  out.write(`${verdict.lines.join('\n')}\n`);
  process.exitCode = verdict.code;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the local API sandbox with seeded data and a worker in this process, migrate both sources, print the summary',
    )
    .option('--members <n>', 'Mailchimp members per audience', '200')
    .option('--contacts <n>', 'Constant Contact contacts', '200')
    .option('--seed <n>', 'data generator seed', '1')
    .option('--port <port>', 'dashboard port with --keep-open', '3000')
    .option(
      '--keep-open',
      'keep the sandbox, worker and dashboard running after the migration (Ctrl-C stops)',
    )
    .action(async (opts: DemoOptions) => {
      const redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
      const membersPerAudience = parsePositiveInt(opts.members, '--members');
      const contacts = parsePositiveInt(opts.contacts, '--contacts');
      const seed = parsePositiveInt(opts.seed, '--seed');
      if (!(await pingRedis(redisUrl))) {
        throw new RuntimeError(
          `Redis does not answer at ${maskRedisUrl(redisUrl)}. Start it with \`redis-server --daemonize yes\` (or \`docker compose up -d redis\`), then run the demo again.`,
        );
      }
      const prefix = demoPrefix(process.env);
      // Before anything writes under the prefix: a fresh sandbox needs fresh consent, fingerprints and watermarks.
      await withRedis(redisUrl, (redis) => prepareDemoPrefix(redis, prefix));
      // The summary says what the alerts would; set LOG_LEVEL=info to see the worker's log as well.
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' });
      const stack = await startLocalStack({
        queuePrefix: prefix,
        redisUrl,
        logger,
        workers: false,
        sandbox: {
          seed,
          dataset: {
            seed,
            mailchimp: { audiences: 2, membersPerAudience },
            constantContact: { contacts },
          },
        },
      });
      try {
        stack.startWorkers();
        process.stdout.write(
          `Sandbox at ${stack.sandbox.url} (simulated Mailchimp, Constant Contact and HubSpot); migrating both sources…\n`,
        );
        const reporter = createProgressReporter();
        const final = await stack.run({ sources: ['mailchimp', 'constant-contact'] }, (s) =>
          reporter.tick(s),
        );
        reporter.stop();
        await reportDemoOutcome(stack, final, prefix);
        if (!opts.keepOpen) {
          process.stdout.write(
            'To watch runs in the dashboard, run `npm run demo -- --keep-open` and open http://127.0.0.1:3000/runs (queues at /queues).\n' +
              'Against real accounts: copy .env.example to .env, then `esp-sync worker` and `esp-sync dashboard`.\n',
          );
          return;
        }
        const dashboard = await startDashboard({
          app: stack.app,
          port: parsePositiveInt(opts.port, '--port'),
          host: '127.0.0.1',
          auth: null,
          readOnly: false,
        });
        process.stdout.write(
          `Dashboard: ${dashboard.url}/runs/${final.run.id} (queues at ${dashboard.url}/queues). Sandbox environment:\n` +
            Object.entries(stack.sandbox.env)
              .map(([k, v]) => `  export ${k}=${v}`)
              .join('\n') +
            `\n  export QUEUE_PREFIX=${prefix}\nCtrl-C stops.\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await dashboard.close();
      } finally {
        await stack.close();
      }
    });
}
