/**
 * `esp-sync demo` as a user runs it (`npm run demo`): exit 0 when the run did what the seeded data calls for
 * (its invalid emails fail on purpose), on the QUEUE_PREFIX it is given, removing only what a demo left there.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { demoMarkerKey } from '../../src/demo/demo-prefix.ts';
import { REDIS_URL, newRedis } from '../helpers/redis.ts';
import { runCli } from './helpers/cli.ts';
import { StackPool } from './helpers/stack.ts';

const pool = new StackPool();
const redis = newRedis();

afterAll(async () => {
  redis.disconnect();
  await pool.closeAll();
});

const demo = (prefix: string) => runCli(['demo'], { REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' });

const INTENDED =
  /The demo did what the seeded data calls for: (\d+) records? failed as the seeded data intends \(invalid emails\) — see QUEUE_PREFIX=(\S+) npx esp-sync report (\S+) --only failed/;

describe('esp-sync demo', () => {
  const prefix = pool.prefix('demo');

  it('exits 0 when only the seeded invalid emails fail, says so, and keeps its data under QUEUE_PREFIX', async () => {
    const r = await demo(prefix);
    expect({ code: r.code, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('[')) }).toEqual({
      code: 0,
      stderr: [''],
    });
    const [, failed, shownPrefix, runId] = INTENDED.exec(r.stdout) ?? [];
    expect(Number(failed)).toBeGreaterThan(0);
    expect(shownPrefix).toBe(prefix);
    expect(await redis.zrange(`${prefix}:runs`, '0', '-1')).toEqual([runId]);
  }, 120_000);

  it('a second demo on the same prefix removes what the first one left and starts afresh', async () => {
    const [firstRunId] = await redis.zrange(`${prefix}:runs`, '0', '-1');
    const r = await demo(prefix);
    expect(r.code).toBe(0);
    const [, , , runId] = INTENDED.exec(r.stdout) ?? [];
    expect(runId).not.toBe(firstRunId);
    expect(await redis.zrange(`${prefix}:runs`, '0', '-1')).toEqual([runId]);
    expect(await redis.exists(`${prefix}:run:${firstRunId}`)).toBe(0);
  }, 120_000);

  it('refuses a prefix that holds data a demo did not create, and leaves that data alone', async () => {
    const foreign = pool.prefix('demo-foreign');
    await redis.hset(`${foreign}:consent`, 'someone@example.com', '{}');
    const r = await demo(foreign);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`QUEUE_PREFIX=${foreign} already holds data the demo did not create`);
    expect(await redis.hgetall(`${foreign}:consent`)).toEqual({ 'someone@example.com': '{}' });
    expect(await redis.exists(demoMarkerKey(foreign))).toBe(0);
  }, 60_000);
});
