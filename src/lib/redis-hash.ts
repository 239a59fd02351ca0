import type { Redis } from 'ioredis';

/** A hash a chunk at a time (HSCAN), so memory stays flat however many fields it holds. */
export async function* scanHash(redis: Redis, key: string): AsyncGenerator<[string, string][]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', '500');
    cursor = next;
    const pairs: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    if (pairs.length > 0) yield pairs;
  } while (cursor !== '0');
}
