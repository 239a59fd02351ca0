/**
 * What the tool remembers about HubSpot lists across runs, under the queue prefix (no expiry, like the consent
 * ledger; the first two keys hold HubSpot record ids and email addresses):
 * - `<prefix>:list-memberships`: per HubSpot contact id, each source record's lists as last written, so that a
 *   person removed from a source list is removed from the HubSpot list on the next sync;
 * - `<prefix>:list-memberships:contact-ids`: per email, the HubSpot contact id an upsert returned, for records
 *   of a person whose properties another record writes (they are not upserted themselves);
 * - `<prefix>:list-memberships:lists`: per HubSpot list name, its id and the source list it stands for.
 */
import type { Redis } from 'ioredis';
import type { ListKind } from '../core/lists.ts';
import type { RecordKey } from '../core/contact.ts';

/** One HubSpot list a record was put in. */
export interface StoredList {
  id: string;
  kind: ListKind;
}

/** A contact's lists, per source record of that person. */
export type ContactLists = Record<RecordKey, StoredList[]>;

/** A HubSpot list the tool created or found, and the source list it carries. */
export interface RegisteredList {
  name: string;
  listId: string;
  kind: ListKind;
  sourceId: string;
  sourceName: string;
}

function parsed<T>(raw: string | null): T | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

const nameKey = (name: string) => name.toLowerCase();

export function listMembershipKeys(prefix: string) {
  const base = `${prefix}:list-memberships`;
  return { memberships: base, contactIds: `${base}:contact-ids`, lists: `${base}:lists` };
}

export class ListMembershipState {
  private readonly redis: Redis;
  private readonly keys: { memberships: string; contactIds: string; lists: string };

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.keys = listMembershipKeys(prefix);
  }

  async registeredLists(names: string[]): Promise<Map<string, RegisteredList>> {
    const out = new Map<string, RegisteredList>();
    if (names.length === 0) return out;
    const values = await this.redis.hmget(this.keys.lists, ...names.map(nameKey));
    names.forEach((name, i) => {
      const entry = parsed<RegisteredList>(values[i] ?? null);
      if (entry?.listId) out.set(nameKey(name), entry);
    });
    return out;
  }

  async allRegisteredLists(): Promise<RegisteredList[]> {
    const all = await this.redis.hgetall(this.keys.lists);
    return Object.values(all)
      .map((v) => parsed<RegisteredList>(v))
      .filter((e): e is RegisteredList => !!e?.listId);
  }

  async registerList(entry: RegisteredList): Promise<void> {
    await this.redis.hset(this.keys.lists, nameKey(entry.name), JSON.stringify(entry));
  }

  async forgetList(name: string): Promise<void> {
    await this.redis.hdel(this.keys.lists, nameKey(name));
  }

  async contactIds(emails: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (emails.length === 0) return out;
    const values = await this.redis.hmget(this.keys.contactIds, ...emails);
    emails.forEach((email, i) => {
      const id = values[i];
      if (id) out.set(email, id);
    });
    return out;
  }

  async rememberContactIds(pairs: [email: string, hubspotId: string][]): Promise<void> {
    if (pairs.length === 0) return;
    await this.redis.hset(this.keys.contactIds, Object.fromEntries(pairs));
  }

  async contactLists(hubspotIds: string[]): Promise<Map<string, ContactLists>> {
    const out = new Map<string, ContactLists>();
    if (hubspotIds.length === 0) return out;
    const values = await this.redis.hmget(this.keys.memberships, ...hubspotIds);
    hubspotIds.forEach((id, i) => out.set(id, parsed<ContactLists>(values[i] ?? null) ?? {}));
    return out;
  }

  async saveContactLists(entries: Map<string, ContactLists>): Promise<void> {
    if (entries.size === 0) return;
    const fields = Object.fromEntries([...entries].map(([id, lists]) => [id, JSON.stringify(lists)]));
    await this.redis.hset(this.keys.memberships, fields);
  }
}
