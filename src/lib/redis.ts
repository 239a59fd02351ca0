import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/** redis-cluster://[user:password@]host:port[,host:port…] names a Redis Cluster by a few of its nodes. */
const CLUSTER_URL = /^(rediss?)-cluster:\/\/(?:(.*)@)?([^@/?#]+)\/?$/i;

interface ClusterSeed {
  nodes: ClusterNode[];
  redisOptions: RedisOptions;
}

/** The seed nodes and credentials of a redis-cluster:// or rediss-cluster:// (TLS) URL; null for any other URL. */
export function parseClusterUrl(url: string): ClusterSeed | null {
  const match = CLUSTER_URL.exec(url);
  if (!match) return null;
  const [, scheme = 'redis', userinfo, hosts = ''] = match;
  const nodes = hosts.split(',').map((hostPort) => {
    const colon = hostPort.lastIndexOf(':');
    const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
    const port = colon > 0 ? Number(hostPort.slice(colon + 1)) : 6379;
    return { host, port };
  });
  const redisOptions: RedisOptions = {};
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (user) redisOptions.username = user;
    if (colon >= 0) redisOptions.password = decodeURIComponent(userinfo.slice(colon + 1));
  }
  if (scheme.toLowerCase() === 'rediss') redisOptions.tls = {};
  return { nodes, redisOptions };
}

/**
 * A Redis Cluster client typed as a Redis connection. ioredis's Cluster answers the same commands, scripts,
 * pipelines and transactions (each routed by the slot of its keys, so every key of ours must share the prefix's
 * hash tag); BullMQ accepts it as a connection (https://docs.bullmq.io/patterns/redis-cluster). Commands without
 * a key (SCAN, INFO, TIME) reach one node only: scan under the prefix with `scanTargets`.
 */
function createCluster(seed: ClusterSeed, options: RedisOptions): Redis {
  const { lazyConnect, enableReadyCheck, ...perNode } = options;
  const cluster = new Cluster(seed.nodes, {
    enableReadyCheck: enableReadyCheck ?? true,
    lazyConnect: lazyConnect ?? false,
    redisOptions: { ...seed.redisOptions, maxRetriesPerRequest: null, ...perNode },
  });
  return cluster as unknown as Redis;
}

/** The connections that together hold every key: the masters of a cluster, else the connection itself. */
export function scanTargets(redis: Redis): Redis[] {
  return redis.isCluster ? (redis as unknown as Cluster).nodes('master') : [redis];
}

/**
 * One ioredis connection from REDIS_URL (redis:// or rediss:// with TLS, password in the URL), or a cluster
 * client for redis-cluster:// and rediss-cluster://.
 * BullMQ needs maxRetriesPerRequest: null on the connections its workers block on.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const seed = parseClusterUrl(url);
  if (seed) return createCluster(seed, options);
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
  const seed = parseClusterUrl(url);
  const redis = seed
    ? new Cluster(seed.nodes, {
        lazyConnect: true,
        clusterRetryStrategy: () => null,
        redisOptions: { ...seed.redisOptions, maxRetriesPerRequest: 0, connectTimeout: timeoutMs },
      })
    : new Redis(url, {
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
