import type { Command } from 'commander';
import { startDashboard } from '../../dashboard/server.ts';
import { startLocalStack } from '../../demo/local-stack.ts';
import { RuntimeError } from '../../errors/index.ts';
import { createLogger } from '../../lib/logger.ts';
import { pingRedis } from '../../lib/redis.ts';
import { createProgressReporter } from '../progress.ts';
import { exitCodeForStatus, parsePositiveInt } from '../shared.ts';
import { summaryText } from '../summary.ts';

const DEMO_PREFIX = 'esp-demo';

interface DemoOptions {
  members: string;
  contacts: string;
  seed: string;
  port: string;
  keepOpen?: boolean;
}

async function clearDemoKeys(stack: Awaited<ReturnType<typeof startLocalStack>>): Promise<void> {
  // Each demo starts from a fresh sandbox, so it also starts from fresh fingerprints and watermarks.
  const redis = stack.app.redis;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${DEMO_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
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
      if (!(await pingRedis(redisUrl))) {
        throw new RuntimeError(
          `Redis does not answer at ${redisUrl.replace(/\/\/[^@]*@/, '//***@')}. Start it with \`redis-server --daemonize yes\` (or \`docker compose up -d redis\`), then run the demo again.`,
        );
      }
      const membersPerAudience = parsePositiveInt(opts.members, '--members');
      const contacts = parsePositiveInt(opts.contacts, '--contacts');
      const seed = parsePositiveInt(opts.seed, '--seed');
      // The summary says what the alerts would; set LOG_LEVEL=info to see the worker's log as well.
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' });
      const stack = await startLocalStack({
        queuePrefix: DEMO_PREFIX,
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
        await clearDemoKeys(stack);
        stack.startWorkers();
        process.stdout.write(
          `Sandbox at ${stack.sandbox.url} (simulated Mailchimp, Constant Contact and HubSpot); migrating both sources…\n`,
        );
        const reporter = createProgressReporter();
        const final = await stack.run({ sources: ['mailchimp', 'constant-contact'] }, (s) =>
          reporter.tick(s),
        );
        reporter.stop();
        process.stdout.write(
          `${summaryText(final).replace(/esp-sync report/g, `QUEUE_PREFIX=${DEMO_PREFIX} esp-sync report`)}\n`,
        );
        const state = stack.sandbox.hubspot.snapshot();
        process.stdout.write(
          `HubSpot (simulated) now holds ${state.contacts.length} contacts; resubscribe attempts: ${state.history.resubscribeAttempts.length}.\n`,
        );
        process.exitCode = exitCodeForStatus(final.run.status);
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
            `\n  export QUEUE_PREFIX=${DEMO_PREFIX}\nCtrl-C stops.\n`,
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
