import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/env.ts';
import { createLogger } from './lib/logger.ts';
import { createRedis, maskRedisUrl, pingRedis } from './lib/redis.ts';
import { createQueues, type Queues } from './queue/queues.ts';
import { RunStore } from './run/store.ts';
import { RuntimeError } from './errors/index.ts';

/** The process-wide pieces every command shares: one Redis connection, the queues, the run store, the logger. */
export interface App {
  config: Config;
  redis: Redis;
  queues: Queues;
  store: RunStore;
  logger: Logger;
  close(): Promise<void>;
}

/** Connects to Redis (with a clear message when it does not answer) and opens the queues. */
export async function createApp(
  config: Config,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<App> {
  if (!(await pingRedis(config.redisUrl))) {
    throw new RuntimeError(
      `Redis does not answer at ${maskRedisUrl(config.redisUrl)} (REDIS_URL). Start it (e.g. \`redis-server --daemonize yes\` or \`docker compose up -d redis\`) or point REDIS_URL at your Redis.`,
    );
  }
  const redis = createRedis(config.redisUrl);
  redis.on('error', (err) => logger.error({ err: err.message }, 'Redis connection error'));
  const queues = createQueues(redis, config.queuePrefix, config.jobRetentionDays, (err) =>
    logger.warn({ err: err.message }, 'queue connection error (BullMQ reconnects on its own)'),
  );
  const store = new RunStore(redis, config.queuePrefix, config.jobRetentionDays * 24 * 3600);
  return {
    config,
    redis,
    queues,
    store,
    logger,
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}
