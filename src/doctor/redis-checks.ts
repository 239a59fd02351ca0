/**
 * Redis prerequisites. BullMQ requires `maxmemory-policy noeviction`: an evicted job key silently loses a
 * job (https://docs.bullmq.io/guide/going-to-production#max-memory-policy). Without persistence (AOF or RDB
 * snapshots, https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/) a Redis restart loses
 * the queues, the consent ledger and the pending opt-outs. The verdicts are pure functions of what Redis
 * answered, so every case is a unit test without touching a shared server's configuration.
 */
import type { Redis } from 'ioredis';
import { errorMessage } from '../errors/index.ts';
import { check, type Check } from './types.ts';

/** What Redis told about itself; null where it refused to tell (managed services often refuse CONFIG). */
export interface RedisFacts {
  /** CONFIG GET maxmemory-policy, else the maxmemory_policy line of INFO memory. */
  maxmemoryPolicy: string | null;
  /** CONFIG GET appendonly ("yes"/"no"), else aof_enabled of INFO persistence ("1"/"0"). */
  appendonly: string | null;
  /** CONFIG GET save: "" means no RDB snapshots; null when CONFIG was refused. */
  save: string | null;
}

/** Pure: the eviction verdict. Unknown is a warning (BullMQ itself only warns then). */
export function evictionCheck(policy: string | null): Check {
  const label = 'Redis eviction policy';
  if (policy === null) {
    return check(
      'redis.eviction',
      label,
      'warn',
      'unknown: Redis refused CONFIG GET and INFO memory',
      'Make sure maxmemory-policy is noeviction (your Redis provider’s settings); BullMQ loses jobs otherwise.',
    );
  }
  if (policy === 'noeviction') return check('redis.eviction', label, 'ok', 'maxmemory-policy noeviction');
  return check(
    'redis.eviction',
    label,
    'fail',
    `maxmemory-policy is ${policy}: Redis may evict queue and consent keys when memory runs out`,
    'Set it with `redis-cli CONFIG SET maxmemory-policy noeviction` (and in redis.conf), or in your provider’s settings.',
  );
}

/** Pure: the persistence verdict: AOF or RDB is fine, neither (or unknown) a warning. */
export function persistenceCheck(facts: Pick<RedisFacts, 'appendonly' | 'save'>): Check {
  const label = 'Redis persistence';
  const aof = facts.appendonly === 'yes' || facts.appendonly === '1';
  const rdb = facts.save !== null && facts.save.trim() !== '';
  if (aof || rdb) {
    const kinds = [aof ? 'append-only file' : null, rdb ? `RDB snapshots (save ${facts.save})` : null];
    return check('redis.persistence', label, 'ok', kinds.filter(Boolean).join(' and '));
  }
  const fix =
    'Turn on the append-only file (`appendonly yes`, as docker-compose.yml does) or RDB snapshots; without them ' +
    'a Redis restart loses queued jobs, the consent ledger and pending opt-outs.';
  if (facts.appendonly === null && facts.save === null) {
    return check('redis.persistence', label, 'warn', 'unknown: Redis refused CONFIG GET', fix);
  }
  return check('redis.persistence', label, 'warn', 'neither the append-only file nor RDB snapshots', fix);
}

function infoField(info: string, name: string): string | null {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim() ?? null;
}

async function configGet(redis: Redis, name: string): Promise<string | null> {
  try {
    const answer = await redis.call('CONFIG', 'GET', name);
    return Array.isArray(answer) && typeof answer[1] === 'string' ? answer[1] : null;
  } catch {
    return null;
  }
}

async function info(redis: Redis, section: string): Promise<string> {
  try {
    return await redis.info(section);
  } catch {
    return '';
  }
}

/** Asks Redis; never throws (a refused command becomes null). */
export async function readRedisFacts(redis: Redis): Promise<RedisFacts> {
  const policy =
    (await configGet(redis, 'maxmemory-policy')) ??
    infoField(await info(redis, 'memory'), 'maxmemory_policy');
  const appendonly =
    (await configGet(redis, 'appendonly')) ?? infoField(await info(redis, 'persistence'), 'aof_enabled');
  return { maxmemoryPolicy: policy, appendonly, save: await configGet(redis, 'save') };
}

/** The three Redis lines; the last two only when Redis answers. */
export async function redisChecks(
  connect: () => Promise<Redis | Error>,
  where: string,
): Promise<{ checks: Check[]; redis: Redis | null }> {
  const redis = await connect();
  if (redis instanceof Error) {
    return {
      redis: null,
      checks: [
        check(
          'redis.reachable',
          'Redis reachable',
          'fail',
          `no answer at ${where}: ${errorMessage(redis)}`,
          'Start Redis (`redis-server --daemonize yes` or `docker compose up -d redis`) or point REDIS_URL at it.',
        ),
      ],
    };
  }
  const facts = await readRedisFacts(redis);
  return {
    redis,
    checks: [
      check('redis.reachable', 'Redis reachable', 'ok', where),
      evictionCheck(facts.maxmemoryPolicy),
      persistenceCheck(facts),
    ],
  };
}
