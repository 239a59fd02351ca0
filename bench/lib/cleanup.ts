import { createRedis, scanTargets } from '../../src/lib/redis.ts';

/** Deletes every key under the prefix (on every master of a cluster): the benchmark leaves nothing behind. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url);
  try {
    for (const node of scanTargets(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) await node.unlink(key);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
