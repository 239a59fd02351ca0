import { Redis, type RedisOptions } from 'ioredis';

/**
 * One ioredis connection from REDIS_URL (redis:// or rediss:// with TLS, password in the URL).
 * BullMQ needs maxRetriesPerRequest: null on the connections its workers block on.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
    ...options,
  });
}

/** REDIS_URL as it may be shown to a person: the user name stays, the password becomes "***". */
export function maskRedisUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@([^@]*)$/is.exec(url);
  if (!match) return url;
  const [, scheme = '', userinfo = '', hostAndPath = ''] = match;
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : '';
  return `${scheme}${user}:***@${hostAndPath}`;
}

/** Answers within timeoutMs whether Redis at url is reachable. */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
