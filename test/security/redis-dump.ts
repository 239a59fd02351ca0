import type { Redis } from 'ioredis';

export interface DumpedKey {
  key: string;
  type: string;
  /** -1: no expiry. */
  ttl: number;
  /** The key's name and every member, field, value and stream entry, as text. */
  text: string;
}

async function valueText(redis: Redis, key: string, type: string): Promise<string> {
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return Object.entries(await redis.hgetall(key))
        .map(([f, v]) => `${f}=${v}`)
        .join('\n');
    case 'list':
      return (await redis.lrange(key, 0, -1)).join('\n');
    case 'set':
      return (await redis.smembers(key)).join('\n');
    case 'zset':
      return (await redis.zrange(key, '0', '-1', 'WITHSCORES')).join('\n');
    case 'stream':
      return (await redis.xrange(key, '-', '+'))
        .map(([id, fields]) => `${id} ${fields.join(' ')}`)
        .join('\n');
    default:
      throw new Error(`key ${key} has type ${type}, which this dump cannot read`);
  }
}

/** Every key under `${prefix}:` with its type, TTL and full contents. */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<DumpedKey[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) keys.add(k);
  } while (cursor !== '0');
  const out: DumpedKey[] = [];
  for (const key of [...keys].sort()) {
    const type = await redis.type(key);
    if (type === 'none') continue;
    out.push({ key, type, ttl: await redis.ttl(key), text: `${key}\n${await valueText(redis, key, type)}` });
  }
  return out;
}
