import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/env.ts';
import { createQueues } from '../../src/queue/queues.ts';
import { RunStore } from '../../src/run/store.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

/** An App like createApp builds, on a unique key prefix of the test Redis; cleanup() deletes every key. */
export function testApp(
  name: string,
  env: Record<string, string> = {},
): { app: App; cleanup(): Promise<void> } {
  const redis: Redis = newRedis();
  const prefix = testPrefix(name);
  const config = parseConfig({ QUEUE_PREFIX: prefix, ...env });
  const queues = createQueues(redis, prefix, 1);
  const app: App = {
    config,
    redis,
    queues,
    store: new RunStore(redis, prefix),
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    close: () => queues.close(),
  };
  return {
    app,
    async cleanup() {
      await queues.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
