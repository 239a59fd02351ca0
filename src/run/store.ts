import type { SubscribeCandidate } from '../core/consent.ts';
import type { SourceContact } from '../core/contact.ts';
import { ADD_CANDIDATE } from '../ledger/scripts.ts';
import { chunked } from '../lib/chunked.ts';
import { scanHash } from '../lib/redis-hash.ts';
import { RECORD_ROWS, SETTLE_ROWS } from './row-scripts.ts';
import { RunInfoStore } from './run-info-store.ts';
import { COUNT_NAMES, emptyCounts, type DeadLetter, type RecordRow, type RunCounts } from './types.ts';

/** Rows per RECORD_ROWS call (src/run/row-scripts.ts): each key once in a call, so calls are independent. */
const ROWS_PER_CALL = 1000;

/** Records kept between jobs, with the HMAC that shows the run's own jobs made them (workers/job-signature.ts). */
export interface SignedRecords {
  records: SourceContact[];
  signature: string;
}

/** A row as stored: rows written before counters were derived in Lua also hold the counters they added. */
type StoredRow = RecordRow & { c?: string };

/** The subscribe phase's verdict on one record's row (src/run/row-scripts.ts SETTLE_ROWS). */
export interface RowSettlement {
  key: string;
  /** The consent outcome; null keeps "subscribed" when the row already has it. */
  consent: RecordRow['consent'];
  /** Replaces the row's reason. */
  note?: string;
  /** Turns the row into a failure with this reason. */
  failed?: string;
}

/** Per-run state in Redis: the run (RunInfoStore), its counters, one row per source record, dead letters, candidates. */
export class RunStore extends RunInfoStore {
  async counts(runId: string): Promise<{ counts: RunCounts; breakdown: Record<string, number> }> {
    const raw = await this.redis.hgetall(this.keys(runId).counts);
    const counts = emptyCounts();
    const breakdown: Record<string, number> = {};
    for (const [field, value] of Object.entries(raw)) {
      const n = Number(value);
      if ((COUNT_NAMES as readonly string[]).includes(field)) counts[field as keyof RunCounts] = n;
      else if (n !== 0) breakdown[field] = n;
    }
    return { counts, breakdown };
  }

  async recordRows(runId: string, rows: RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One row per key in a call (the last wins): the script reads every previous row before writing any.
    const unique = [...new Map(rows.map((row) => [row.key, row])).values()];
    const k = this.keys(runId);
    // Calls of ROWS_PER_CALL rows: Lua's unpack() takes fewer than 8,000 values, and an import step settles
    // a thousand lines at a time, each with every record of its address.
    for (const part of chunked(unique, ROWS_PER_CALL)) {
      const args = part.flatMap((row) => [row.key, JSON.stringify(row)]);
      await this.writeExpiring([k.records, k.counts], (p) =>
        p.eval(RECORD_ROWS, 2, k.records, k.counts, ...args),
      );
    }
  }

  /**
   * Applies the subscribe phase's verdicts to existing rows inside Redis (counters kept exact). Answers the keys
   * that had a row, with the new row of each one that failed.
   */
  async settleRows(runId: string, settlements: RowSettlement[]): Promise<Map<string, RecordRow | null>> {
    const out = new Map<string, RecordRow | null>();
    if (settlements.length === 0) return out;
    const args = settlements.flatMap(({ key, ...patch }) => [key, JSON.stringify(patch)]);
    const k = this.keys(runId);
    const reply = (await this.redis.eval(SETTLE_ROWS, 2, k.records, k.counts, ...args)) as string[];
    for (let i = 0; i < reply.length; i += 2) {
      const row = reply[i + 1];
      out.set(reply[i]!, row ? stripCounters(JSON.parse(row) as StoredRow) : null);
    }
    return out;
  }

  async getRows(runId: string, keys: string[]): Promise<Map<string, RecordRow>> {
    if (keys.length === 0) return new Map();
    const values = await this.redis.hmget(this.keys(runId).records, ...keys);
    const out = new Map<string, RecordRow>();
    values.forEach((v, i) => {
      if (v) out.set(keys[i]!, stripCounters(JSON.parse(v) as StoredRow));
    });
    return out;
  }

  /** Every record row of a run, a chunk at a time (HSCAN: memory stays flat for big runs). */
  async *scanRows(runId: string): AsyncGenerator<RecordRow[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).records)) {
      yield chunk.map(([, v]) => stripCounters(JSON.parse(v) as StoredRow));
    }
  }

  async putDeadLetters(runId: string, letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const key = this.keys(runId).dead;
    const fields = Object.fromEntries(letters.map((l) => [l.row.key, JSON.stringify(l)]));
    await this.writeExpiring([key], (p) => p.hset(key, fields));
  }

  /** Failed records retry-failed can write again (the others are invalid in the source). */
  async deadLetterCount(runId: string): Promise<number> {
    return this.redis.hlen(this.keys(runId).dead);
  }

  /** Which of these records have a dead letter (retry-failed can write them again). */
  async deadLetterKeys(runId: string, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const present = await this.redis.hmget(this.keys(runId).dead, ...keys);
    return new Set(keys.filter((_, i) => present[i] !== null));
  }

  async removeDeadLetters(runId: string, keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.hdel(this.keys(runId).dead, ...keys);
  }

  async *scanDeadLetters(runId: string): AsyncGenerator<DeadLetter[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).dead)) {
      yield chunk.map(([, v]) => JSON.parse(v) as DeadLetter);
    }
  }

  /** The run's own subscription candidates of these emails (a subscribe batch writes nothing else). */
  async subscribeCandidatesFor(runId: string, emails: string[]): Promise<Map<string, SubscribeCandidate>> {
    const out = new Map<string, SubscribeCandidate>();
    if (emails.length === 0) return out;
    const values = await this.redis.hmget(this.keys(runId).subscribe, ...emails);
    values.forEach((v, i) => {
      if (v) out.set(emails[i]!, JSON.parse(v) as SubscribeCandidate);
    });
    return out;
  }

  /** Remembers which records the run read, so finalize can tell whether each got its outcome. */
  async markRead(runId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const key = this.keys(runId).read;
    await this.writeExpiring([key], (p) => p.sadd(key, ...keys));
  }

  /** Records the run read that have no row (their jobs were removed by hand or lost). */
  async recordsWithoutOutcome(runId: string): Promise<number> {
    const k = this.keys(runId);
    const [read, rows] = await Promise.all([this.redis.scard(k.read), this.redis.hlen(k.records)]);
    return Math.max(0, read - rows);
  }

  /** The read marks are only needed until finalize has checked them; they hold every key of the run. */
  async dropReadMarks(runId: string): Promise<void> {
    await this.redis.del(this.keys(runId).read);
  }

  /** A chain's last records that did not fill a batch (a page read again replaces them: same chain, same field). */
  async setChainTail(runId: string, chain: string, tail: SignedRecords): Promise<void> {
    const key = this.keys(runId).tails;
    await this.writeExpiring([key], (p) => p.hset(key, chain, JSON.stringify(tail)));
  }

  /** In chunks, each in the order of its chains' names: the same tails give the same batches in any run. */
  async *scanChainTails(runId: string): AsyncGenerator<SignedRecords[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).tails)) {
      yield chunk.sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => JSON.parse(v) as SignedRecords);
    }
  }

  /** Adds to a counter of the run that is not a record outcome (e.g. earlier opt-outs confirmed). */
  async bumpCount(runId: string, field: string, by: number): Promise<void> {
    const key = this.keys(runId).counts;
    await this.writeExpiring([key], (p) => p.hincrby(key, field, by));
  }

  async addSubscribeCandidates(runId: string, candidates: SubscribeCandidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const args = candidates.flatMap((c) => [c.email, JSON.stringify(c)]);
    const key = this.keys(runId).subscribe;
    await this.writeExpiring([key], (p) => p.eval(ADD_CANDIDATE, 1, key, ...args));
  }

  async subscribeCandidateCount(runId: string): Promise<number> {
    return this.redis.hlen(this.keys(runId).subscribe);
  }

  async *scanSubscribeCandidates(runId: string): AsyncGenerator<SubscribeCandidate[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).subscribe)) {
      yield chunk.map(([, v]) => JSON.parse(v) as SubscribeCandidate);
    }
  }
}

function stripCounters(stored: StoredRow): RecordRow {
  const { c: _c, ...row } = stored;
  return row;
}

export { newRunId } from './run-info-store.ts';
