/** The consent ledger and the per-address locks on real Redis, each test under its own prefix. */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { TransientError } from '../../src/errors/index.ts';
import { AddressLocks } from '../../src/ledger/address-locks.ts';
import { ConsentLedger } from '../../src/ledger/ledger.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefixes: string[] = [];
const fresh = () => {
  const prefix = testPrefix('ledger');
  prefixes.push(prefix);
  return { prefix, ledger: new ConsentLedger(redis, prefix) };
};
afterEach(async () => {
  for (const p of prefixes.splice(0)) await deletePrefix(redis, p);
});
afterAll(() => redis.disconnect());

const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('ConsentLedger', () => {
  it('answers the strictest rank of all records of a person and flags a record older than the one it holds', async () => {
    const { ledger } = fresh();
    const first = await ledger.registerConsent(
      [
        { email: 'p@example.com', key: 'mailchimp:a:1', rank: 0, changedAt: at(5) },
        { email: 'p@example.com', key: 'constant-contact:9', rank: 1, changedAt: at(1) },
      ],
      { neverLower: false },
    );
    expect(first.strictest.get('p@example.com')).toBe(1);
    expect(first.stale.size).toBe(0);

    // An older snapshot of mailchimp:a:1 (a retried dead letter) changes nothing.
    const old = await ledger.registerConsent(
      [{ email: 'p@example.com', key: 'mailchimp:a:1', rank: 2, changedAt: at(3) }],
      { neverLower: false },
    );
    expect([...old.stale]).toEqual(['mailchimp:a:1']);
    // A newer one may lower the rank in a sync, never in a retry.
    await ledger.registerConsent(
      [{ email: 'p@example.com', key: 'constant-contact:9', rank: 0, changedAt: at(6) }],
      {
        neverLower: true,
      },
    );
    expect((await ledger.strictestConsent(['p@example.com'])).get('p@example.com')).toBe(1);
    await ledger.registerConsent(
      [{ email: 'p@example.com', key: 'constant-contact:9', rank: 0, changedAt: at(7) }],
      {
        neverLower: false,
      },
    );
    expect((await ledger.strictestConsent(['p@example.com'])).get('p@example.com')).toBe(0);
  });

  it('withdraws a record’s own subscribe (consent, held subscription, ownership) but never an opt-out', async () => {
    const { ledger } = fresh();
    await ledger.registerConsent(
      [
        { email: 'w@example.com', key: 'mailchimp:a:1', rank: 0, changedAt: null },
        { email: 'o@example.com', key: 'mailchimp:a:2', rank: 2, changedAt: null },
      ],
      { neverLower: false },
    );
    await ledger.claimProperties([{ email: 'w@example.com', key: 'mailchimp:a:1', changedAt: at(1) }]);
    const held = { email: 'w@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' };
    await ledger.hold([
      { ...held, runId: 'r1', keys: ['mailchimp:a:1', 'mailchimp:b:1'], fingerprints: ['f1', 'f2'] },
    ]);

    await ledger.withdraw([
      { email: 'w@example.com', key: 'mailchimp:a:1' },
      { email: 'o@example.com', key: 'mailchimp:a:2' },
    ]);
    expect((await ledger.strictestConsent(['w@example.com'])).has('w@example.com')).toBe(false);
    expect((await ledger.strictestConsent(['o@example.com'])).get('o@example.com')).toBe(2);
    expect((await ledger.heldFor(['w@example.com'])).get('w@example.com')).toMatchObject({
      keys: ['mailchimp:b:1'],
      fingerprints: ['f2'],
    });
    // The record gave up ownership: another record of the person may claim it, even an older one.
    const owners = await ledger.claimProperties([
      { email: 'w@example.com', key: 'mailchimp:b:1', changedAt: at(0) },
    ]);
    expect([...owners]).toEqual(['mailchimp:b:1']);
  });

  it('keeps pending opt-outs with their first time until confirmed, and reports the count and the oldest', async () => {
    const { ledger } = fresh();
    const t0 = new Date('2026-12-01T08:00:00Z');
    await ledger.addPendingOptOuts([{ email: 'x@example.com', keys: ['k1'], runId: 'r1' }], t0);
    await ledger.addPendingOptOuts(
      [{ email: 'x@example.com', keys: ['k2'], runId: 'r2', lastError: 'HubSpot refused (400)' }],
      new Date('2026-12-02T08:00:00Z'),
    );
    await ledger.addPendingOptOuts(
      [{ email: 'y@example.com', keys: ['k3'], runId: 'r2' }],
      new Date('2026-12-02T09:00:00Z'),
    );
    expect(await ledger.pendingOptOutSummary()).toEqual({ count: 2, oldestSince: t0.toISOString() });
    expect((await ledger.pendingOptOutsFor(['x@example.com'])).get('x@example.com')).toEqual({
      email: 'x@example.com',
      keys: ['k1', 'k2'],
      runId: 'r1',
      since: t0.toISOString(),
      lastError: 'HubSpot refused (400)',
    });
    await ledger.confirmOptOuts(['x@example.com']);
    expect(await ledger.pendingOptOutSummary()).toEqual({
      count: 1,
      oldestSince: '2026-12-02T09:00:00.000Z',
    });
  });

  it('treats an address named several times in one call as that many calls, in order, for any batch size', async () => {
    const { ledger } = fresh();
    // Ownership: the newer record wins whichever comes first in the call.
    const owners = await ledger.claimProperties([
      { email: 'd@example.com', key: 'mailchimp:a:1', changedAt: at(5) },
      { email: 'd@example.com', key: 'constant-contact:1', changedAt: at(2) },
      { email: 'd@example.com', key: 'mailchimp:b:1', changedAt: at(7) },
    ]);
    expect([...owners].sort()).toEqual(['mailchimp:a:1', 'mailchimp:b:1']);
    expect((await ledger.ownersOf(['d@example.com'])).get('d@example.com')).toBe(`${at(7)}|mailchimp:b:1`);

    const held = { email: 'd@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' };
    await ledger.hold([
      { ...held, keys: ['k1'], fingerprints: ['f1'] },
      { ...held, keys: ['k2', 'k1'], fingerprints: ['f2', 'f1'] },
    ]);
    expect((await ledger.heldFor(['d@example.com'])).get('d@example.com')).toMatchObject({
      keys: ['k1', 'k2'],
      fingerprints: ['f1', 'f2'],
    });

    const t0 = new Date('2026-12-01T08:00:00Z');
    await ledger.addPendingOptOuts(
      [
        { email: 'd@example.com', keys: ['k1'], runId: 'r1' },
        { email: 'd@example.com', keys: ['k2'], runId: 'r1', lastError: 'refused' },
      ],
      t0,
    );
    expect((await ledger.pendingOptOutsFor(['d@example.com'])).get('d@example.com')).toMatchObject({
      keys: ['k1', 'k2'],
      lastError: 'refused',
    });
    expect(await ledger.pendingOptOutSummary()).toEqual({ count: 1, oldestSince: t0.toISOString() });

    // More addresses in one call than a script reads or writes at once.
    const many = Array.from({ length: 2_500 }, (_, i) => ({
      email: `m${i}@example.com`,
      key: `k${i}`,
      rank: i % 3,
      changedAt: at(1),
    }));
    const registered = await ledger.registerConsent(many, { neverLower: false });
    expect(registered.strictest.size).toBe(2_500);
    const stored = await ledger.strictestConsent(many.map((e) => e.email));
    expect(many.every((e) => stored.get(e.email) === e.rank)).toBe(true);
    await ledger.addPendingOptOuts(many.map((e) => ({ email: e.email, keys: [e.key], runId: 'r2' })));
    expect((await ledger.pendingOptOutSummary()).count).toBe(2_501);
    await ledger.withdraw(many.map((e) => ({ email: e.email, key: e.key })));
    const left = await ledger.strictestConsent(many.map((e) => e.email));
    expect(many.every((e) => (e.rank === 0 ? !left.has(e.email) : left.get(e.email) === e.rank))).toBe(true);
  });
});

describe('AddressLocks', () => {
  it('never lets two jobs work on one address at once, across connections', async () => {
    const { prefix } = fresh();
    const other = newRedis();
    try {
      const a = new AddressLocks(redis, prefix, { pollMs: 5 });
      const b = new AddressLocks(other, prefix, { pollMs: 5 });
      const events: string[] = [];
      const job = (locks: AddressLocks, name: string, emails: string[]) =>
        locks.withLocks(emails, async () => {
          events.push(`${name} start`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          events.push(`${name} end`);
        });
      await Promise.all([
        job(a, 'A', ['x@example.com', 'y@example.com']),
        job(b, 'B', ['y@example.com', 'z@example.com']),
      ]);
      // One job runs from start to end before the other starts (whichever took the locks first).
      const first = events[0]!.split(' ')[0]!;
      const second = first === 'A' ? 'B' : 'A';
      expect(events).toEqual([`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
    } finally {
      other.disconnect();
    }
  });

  it('gives the slot back with a TransientError when another job keeps the address, and frees it afterwards', async () => {
    const { prefix } = fresh();
    const locks = new AddressLocks(redis, prefix, { waitMs: 100, pollMs: 5 });
    let release!: () => void;
    const held = locks.withLocks(
      ['busy@example.com'],
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(locks.withLocks(['busy@example.com'], () => Promise.resolve('no'))).rejects.toBeInstanceOf(
      TransientError,
    );
    release();
    await held;
    await expect(locks.withLocks(['busy@example.com'], () => Promise.resolve('yes'))).resolves.toBe('yes');
  });
});
