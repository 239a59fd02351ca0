import type { Redis } from 'ioredis';
import type { PendingOptOut, PendingOptOutSummary, SubscribeCandidate } from '../core/consent.ts';
import { scanHash } from '../lib/redis-hash.ts';
import { ledgerKeys } from './keys.ts';
import {
  ADD_CANDIDATE,
  ADD_PENDING_OPT_OUT,
  CLAIM_PROPERTIES,
  REGISTER_CONSENT,
  WITHDRAW,
} from './scripts.ts';

export interface ConsentEntry {
  email: string;
  key: string;
  rank: number;
  changedAt: string | null;
}

export interface RegisteredConsent {
  /** Per email, the strictest rank any record (or carried HubSpot opt-out) holds. */
  strictest: Map<string, number>;
  /** Records older than the version the ledger already holds for their key: they must not be written. */
  stale: Set<string>;
}

export interface LastWrite {
  fingerprint: string;
  email: string;
}

/**
 * Everything that lives across runs: each record's last consent, property owners, fingerprints, held
 * subscriptions, pending opt-outs and read-once marks. The run store keeps per-run state only.
 *
 * Remove it when you stop syncing: `redis-cli --scan --pattern '<prefix>:*' | xargs redis-cli del`.
 */
export class ConsentLedger {
  readonly redis: Redis;
  readonly keys: ReturnType<typeof ledgerKeys>;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.keys = ledgerKeys(prefix);
  }

  /**
   * Stores each record's consent rank and answers the strictest per email. A record older than the version
   * already seen for its key is stale (a retried snapshot); with `neverLower`, a stored rank only goes up.
   */
  async registerConsent(
    entries: ConsentEntry[],
    options: { neverLower: boolean },
  ): Promise<RegisteredConsent> {
    if (entries.length === 0) return { strictest: new Map(), stale: new Set() };
    const args = entries.flatMap((e) => [e.email, e.key, String(e.rank), e.changedAt ?? '']);
    const mode = options.neverLower ? 'retry' : 'latest';
    const out = (await this.redis.eval(REGISTER_CONSENT, 1, this.keys.consent, mode, ...args)) as number[];
    const strictest = new Map<string, number>();
    const stale = new Set<string>();
    entries.forEach((e, i) => {
      strictest.set(e.email, Math.max(strictest.get(e.email) ?? 0, out[2 * i] ?? 2));
      if (out[2 * i + 1] === 1) stale.add(e.key);
    });
    return { strictest, stale };
  }

  /** The strictest known consent rank per email (emails the ledger does not know are absent). */
  async strictestConsent(emails: string[]): Promise<Map<string, number>> {
    if (emails.length === 0) return new Map();
    const values = await this.redis.hmget(this.keys.consent, ...emails);
    const out = new Map<string, number>();
    values.forEach((v, i) => {
      if (!v) return;
      const ranks = Object.values(JSON.parse(v) as Record<string, number | [number, string]>).map((r) =>
        Array.isArray(r) ? r[0] : r,
      );
      if (ranks.length > 0) out.set(emails[i]!, Math.max(...ranks));
    });
    return out;
  }

  /** Archived or deleted records take back their own earlier "subscribe" (never an opt-out). */
  async withdraw(entries: { email: string; key: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const k = this.keys;
    const args = entries.flatMap((e) => [e.email, e.key]);
    await this.redis.eval(WITHDRAW, 3, k.consent, k.held, k.owners, ...args);
  }

  /** Which of these records own their email's properties (the most recently changed record, across runs). */
  async claimProperties(
    entries: { email: string; key: string; changedAt: string | null }[],
  ): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const args = entries.flatMap((e) => [e.email, `${e.changedAt ?? ''}|${e.key}`]);
    const out = (await this.redis.eval(CLAIM_PROPERTIES, 1, this.keys.owners, ...args)) as number[];
    return new Set(entries.filter((_, i) => out[i] === 1).map((e) => e.key));
  }

  /** Per email, the record whose properties HubSpot holds, as "<changedAt>|<recordKey>". */
  async ownersOf(emails: string[]): Promise<Map<string, string>> {
    const values = emails.length > 0 ? await this.redis.hmget(this.keys.owners, ...emails) : [];
    const out = new Map<string, string>();
    values.forEach((v, i) => {
      if (v) out.set(emails[i]!, v);
    });
    return out;
  }

  async lastWrites(recordKeys: string[]): Promise<Map<string, LastWrite>> {
    if (recordKeys.length === 0) return new Map();
    const values = await this.redis.hmget(this.keys.fingerprints, ...recordKeys);
    const out = new Map<string, LastWrite>();
    values.forEach((v, i) => {
      if (!v) return;
      const space = v.indexOf(' ');
      out.set(recordKeys[i]!, { fingerprint: v.slice(0, space), email: v.slice(space + 1) });
    });
    return out;
  }

  async setLastWrites(entries: ({ key: string } & LastWrite)[]): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.hset(
      this.keys.fingerprints,
      Object.fromEntries(entries.map((e) => [e.key, `${e.fingerprint} ${e.email}`])),
    );
  }

  // ---------- held subscriptions ----------

  /** Keeps subscriptions for a later run (a configured audience or account has not been read yet). */
  async hold(candidates: SubscribeCandidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const args = candidates.flatMap((c) => [c.email, JSON.stringify(c)]);
    await this.redis.eval(ADD_CANDIDATE, 1, this.keys.held, ...args);
  }

  async *scanHeld(): AsyncGenerator<SubscribeCandidate[]> {
    for await (const chunk of scanHash(this.redis, this.keys.held)) {
      yield chunk.map(([, v]) => JSON.parse(v) as SubscribeCandidate);
    }
  }

  async heldFor(emails: string[]): Promise<Map<string, SubscribeCandidate>> {
    return parseFields<SubscribeCandidate>(emails, await hmget(this.redis, this.keys.held, emails));
  }

  async release(emails: string[]): Promise<void> {
    if (emails.length > 0) await this.redis.hdel(this.keys.held, ...emails);
  }

  // ---------- read-once marks ----------

  async markRead(scopes: string[]): Promise<void> {
    if (scopes.length > 0) await this.redis.sadd(this.keys.readOnce, ...scopes);
  }

  async readScopes(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.readOnce));
  }

  // ---------- pending opt-outs ----------

  /** Written before HubSpot is asked, so a crash mid-call cannot forget an opt-out. */
  async addPendingOptOuts(entries: Omit<PendingOptOut, 'since'>[], now = new Date()): Promise<void> {
    if (entries.length === 0) return;
    const k = this.keys;
    const args = entries.flatMap((e) => [e.email, JSON.stringify({ ...e, since: now.toISOString() })]);
    await this.redis.eval(
      ADD_PENDING_OPT_OUT,
      2,
      k.pendingOptOuts,
      k.pendingOptOutsSince,
      String(now.getTime()),
      ...args,
    );
  }

  /** HubSpot confirmed these opt-outs: they leave the pending set. */
  async confirmOptOuts(emails: string[]): Promise<void> {
    if (emails.length === 0) return;
    await this.redis
      .multi()
      .hdel(this.keys.pendingOptOuts, ...emails)
      .zrem(this.keys.pendingOptOutsSince, ...emails)
      .exec();
  }

  async pendingOptOutsFor(emails: string[]): Promise<Map<string, PendingOptOut>> {
    return parseFields<PendingOptOut>(emails, await hmget(this.redis, this.keys.pendingOptOuts, emails));
  }

  async *scanPendingOptOuts(): AsyncGenerator<PendingOptOut[]> {
    for await (const chunk of scanHash(this.redis, this.keys.pendingOptOuts)) {
      yield chunk.map(([, v]) => JSON.parse(v) as PendingOptOut);
    }
  }

  async pendingOptOutSummary(): Promise<PendingOptOutSummary> {
    const [count, oldest] = await Promise.all([
      this.redis.zcard(this.keys.pendingOptOutsSince),
      this.redis.zrange(this.keys.pendingOptOutsSince, '0', '0', 'WITHSCORES'),
    ]);
    const score = oldest[1];
    return { count, oldestSince: score ? new Date(Number(score)).toISOString() : null };
  }
}

async function hmget(redis: Redis, key: string, fields: string[]): Promise<(string | null)[]> {
  return fields.length === 0 ? [] : redis.hmget(key, ...fields);
}

function parseFields<T>(fields: string[], values: (string | null)[]): Map<string, T> {
  const out = new Map<string, T>();
  values.forEach((v, i) => {
    if (v) out.set(fields[i]!, JSON.parse(v) as T);
  });
  return out;
}
