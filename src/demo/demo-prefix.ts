import type { Redis } from 'ioredis';
import { ConfigError } from '../errors/index.ts';

export const DEFAULT_DEMO_PREFIX = 'esp-demo';

/** The demo's queue prefix: QUEUE_PREFIX when it is set, else its own. */
export function demoPrefix(env: NodeJS.ProcessEnv): string {
  return env.QUEUE_PREFIX?.trim() || DEFAULT_DEMO_PREFIX;
}

/** Written when a demo takes an empty prefix: everything under such a prefix came from demos. */
export function demoMarkerKey(prefix: string): string {
  return `${prefix}:demo-owned`;
}

async function* keysUnder(redis: Redis, prefix: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

/**
 * Makes the prefix ready for a fresh demo, whose sandbox starts from seeded data and so needs fresh fingerprints,
 * consent and watermarks. An empty prefix is taken (marked as the demo's); a prefix a demo took before is emptied
 * of what that demo left; a prefix holding anything else (a real sync's data, a `docker compose --profile demo`
 * stack) is left untouched and refused. Answers how many keys it removed.
 */
export async function prepareDemoPrefix(redis: Redis, prefix: string): Promise<number> {
  const marker = demoMarkerKey(prefix);
  if ((await redis.exists(marker)) === 0) {
    for await (const keys of keysUnder(redis, prefix)) {
      throw new ConfigError(
        `QUEUE_PREFIX=${prefix} already holds data the demo did not create (e.g. ${keys[0]}), and the demo starts from an empty prefix: ` +
          `run it with an unused prefix (e.g. QUEUE_PREFIX=${prefix}-2 npm run demo), or, if those keys are yours to delete ` +
          `(an earlier version of the demo did not mark its prefix): redis-cli --scan --pattern '${prefix}:*' | xargs redis-cli del`,
      );
    }
    await redis.set(marker, new Date().toISOString());
    return 0;
  }
  let removed = 0;
  for await (const keys of keysUnder(redis, prefix)) {
    const left = keys.filter((k) => k !== marker);
    if (left.length > 0) removed += await redis.del(...left);
  }
  return removed;
}
