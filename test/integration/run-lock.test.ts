import { afterAll, describe, expect, it } from '@jest/globals';
import { RunLocks } from '../../src/run/run-lock.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefix = testPrefix('locks');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('run locks', () => {
  it('lets one run per source hold it, all or nothing', async () => {
    const locks = new RunLocks(redis, prefix);
    expect(await locks.acquireAll(['mailchimp'], 'run-a')).toEqual({ ok: true });
    expect(await locks.acquireAll(['constant-contact', 'mailchimp'], 'run-b')).toEqual({
      ok: false,
      heldBy: 'run-a',
    });
    // run-b must not keep constant-contact after failing on mailchimp
    expect(await locks.acquireAll(['constant-contact'], 'run-c')).toEqual({ ok: true });
    await locks.release('mailchimp', 'run-b');
    expect(await locks.acquireAll(['mailchimp'], 'run-d')).toEqual({ ok: false, heldBy: 'run-a' });
    await locks.releaseAll(['mailchimp'], 'run-a');
    expect(await locks.acquireAll(['mailchimp'], 'run-d')).toEqual({ ok: true });
  });
});

describe('watermarks', () => {
  it('only move forward', async () => {
    const marks = new WatermarkStore(redis, prefix);
    await marks.advance('mailchimp:a', '2024-03-01T10:00:00+00:00');
    await marks.advance('mailchimp:a', '2024-02-01T10:00:00+00:00');
    expect(await marks.get('mailchimp:a')).toBe('2024-03-01T10:00:00+00:00');
    await marks.advance('mailchimp:a', '2024-04-01T10:00:00+00:00');
    expect(await marks.get('mailchimp:a')).toBe('2024-04-01T10:00:00+00:00');
  });
});
