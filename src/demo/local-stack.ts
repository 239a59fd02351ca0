import type { Logger } from 'pino';
import { pino } from 'pino';
import { createApp, type App } from '../app.ts';
import { parseConfig, type Config } from '../config/env.ts';
import { generateEncryptionKey } from '../lib/crypto.ts';
import { followRun, type RunSnapshot } from '../run/follow.ts';
import { startRun } from '../run/start.ts';
import type { RunOptions } from '../run/types.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/index.ts';
import { createWorkerContext, type WorkerContext } from '../workers/context.ts';
import { startWorkers, type RunningWorkers, type WorkerOptions } from '../workers/index.ts';

export interface LocalStackOptions {
  sandbox?: SandboxOptions;
  /** Use an already running sandbox instead of starting one. */
  existingSandbox?: Sandbox;
  queuePrefix: string;
  redisUrl?: string;
  /** Extra environment for the worker's configuration (e.g. HUBSPOT_RATE_LIMIT). */
  env?: Record<string, string>;
  workers?: Partial<WorkerOptions> | false;
  logger?: Logger;
}

/**
 * The API sandbox, the app (Redis, queues, run store) and workers in one process, configured exactly as a user
 * would configure them: through the environment the sandbox prints. The demo, the benchmark and the
 * end-to-end tests all run on this.
 */
export interface LocalStack {
  sandbox: Sandbox;
  config: Config;
  app: App;
  ctx: WorkerContext;
  workers: RunningWorkers | null;
  startWorkers(options?: Partial<WorkerOptions>): RunningWorkers;
  run(
    options: Partial<RunOptions> & Pick<RunOptions, 'sources'>,
    onTick?: (s: RunSnapshot) => void,
  ): Promise<RunSnapshot>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const sandbox = options.existingSandbox ?? (await startSandbox(options.sandbox));
  // The sandbox's tokens are stored encrypted like real ones, under a key of its own: kept in its environment,
  // so every stack and worker process pointed at this sandbox opens the same tokens, with no set-up.
  sandbox.env.ESP_SYNC_ENCRYPTION_KEY ??= generateEncryptionKey();
  const config = parseConfig({
    ...sandbox.env,
    REDIS_URL: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: options.queuePrefix,
    ...options.env,
  });
  const logger = options.logger ?? pino({ level: 'silent' });
  const app = await createApp(config, logger);
  const ctx = createWorkerContext({ ...app });
  const workerOptions = (o?: Partial<WorkerOptions>): WorkerOptions => ({
    concurrency: config.workerConcurrency,
    ...(options.workers || {}),
    ...o,
  });
  const stack: LocalStack = {
    sandbox,
    config,
    app,
    ctx,
    workers: options.workers === false ? null : startWorkers(ctx, workerOptions()),
    startWorkers(o) {
      const running = startWorkers(ctx, workerOptions(o));
      stack.workers = running;
      return running;
    },
    async run(runOptions, onTick = () => undefined) {
      const run = await startRun(app, {
        audiences: [],
        ignoreFingerprints: false,
        kind: 'migrate',
        ...runOptions,
      });
      return followRun(app.store, run.id, onTick, 200);
    },
    async close() {
      await stack.workers?.close();
      await app.close();
      if (!options.existingSandbox) await sandbox.close();
    },
  };
  return stack;
}
