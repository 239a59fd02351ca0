/**
 * verify's scratch space: one compact entry per person in a Redis hash under the queue prefix, so that an
 * audience of any size is merged across pages and sources without holding it in memory. It expires on its own
 * if verify dies, and is deleted when verify ends.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SourceContact } from '../core/contact.ts';
import { scanHash } from '../lib/redis-hash.ts';
import { addRecord, type PersonExpectation } from './expectation.ts';

const TTL_SECONDS = 24 * 60 * 60;

export class PeopleStore {
  readonly key: string;
  /** The record keys read so far (and, prefixed "person:", the people compared so far). */
  readonly recordsKey: string;
  private readonly redis: Redis;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    const base = `${prefix}:verify:${Date.now()}-${randomBytes(4).toString('hex')}`;
    this.key = `${base}:people`;
    this.recordsKey = `${base}:records`;
  }

  /** Merges one page of mapped contacts into the people they belong to. */
  async add(contacts: SourceContact[]): Promise<void> {
    if (contacts.length === 0) return;
    const emails = [...new Set(contacts.map((c) => c.email))];
    const stored = await this.redis.hmget(this.key, ...emails);
    const people = new Map<string, PersonExpectation>();
    emails.forEach((email, i) => {
      const raw = stored[i];
      if (raw) people.set(email, JSON.parse(raw) as PersonExpectation);
    });
    for (const contact of contacts) people.set(contact.email, addRecord(people.get(contact.email), contact));
    await this.redis
      .multi()
      .hset(this.key, Object.fromEntries([...people].map(([email, p]) => [email, JSON.stringify(p)])))
      .expire(this.key, TTL_SECONDS)
      .exec();
  }

  /**
   * Which of these record keys are read for the first time: keyset paging reads the records of a page's last
   * second again, and they must count once.
   */
  async firstSeen(recordKeys: string[]): Promise<boolean[]> {
    if (recordKeys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of recordKeys) pipeline.sadd(this.recordsKey, key);
    pipeline.expire(this.recordsKey, TTL_SECONDS);
    const answers = (await pipeline.exec()) ?? [];
    return recordKeys.map((_, i) => answers[i]?.[1] === 1);
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.key);
  }

  /** Every person, in chunks of at most `size`. */
  async *chunks(size: number): AsyncGenerator<PersonExpectation[]> {
    let chunk: PersonExpectation[] = [];
    for await (const pairs of scanHash(this.redis, this.key)) {
      for (const [, value] of pairs) {
        chunk.push(JSON.parse(value) as PersonExpectation);
        if (chunk.length === size) {
          yield chunk;
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  async drop(): Promise<void> {
    await this.redis.del(this.key, this.recordsKey);
  }
}
