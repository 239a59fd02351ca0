import { createHash } from 'node:crypto';
import type {
  MailchimpListSeed,
  MailchimpMemberSeed,
  MailchimpStatus,
  MailchimpTagSeed,
  MergeValue,
} from '../generator/types.ts';

/** id = MD5 of the lowercased address, as Mailchimp computes the subscriber hash. */
export const subscriberHash = (email: string): string =>
  createHash('md5').update(email.toLowerCase()).digest('hex');

/** Seconds since the epoch from "2024-03-01T10:00:00+00:00"; 0 for "". */
export const toSeconds = (iso: string): number => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

export const nowMailchimpTime = (): string => new Date().toISOString().slice(0, 19) + '+00:00';

export interface StoredMember {
  hash: string;
  seed: MailchimpMemberSeed;
  /** Cached for filters and sorting. */
  lastChanged: number;
  /** Insertion order: the default order of GET /members. */
  order: number;
}

/**
 * A saved segment. Mailchimp computes its members from conditions; the sandbox holds them as a set of
 * subscriber hashes that tests set (the conditions themselves are not simulated).
 */
export interface SavedSegment {
  id: number;
  name: string;
  createdAt: string;
  hashes: Set<string>;
}

export interface ListState {
  list: Omit<MailchimpListSeed, 'members'>;
  savedSegments: SavedSegment[];
  members: StoredMember[];
  byHash: Map<string, StoredMember>;
  version: number;
  sortCache: Map<string, { version: number; members: StoredMember[] }>;
}

/** A run-time edit: everything a test needs to simulate activity in the account between two syncs. */
export interface MemberPatch {
  status?: MailchimpStatus;
  email_address?: string;
  merge_fields?: Record<string, MergeValue>;
  /** Tag names; unknown names create tags on the list. */
  tags?: string[];
  unsubscribe_reason?: string;
  /** Defaults to now. Set it to control cursors precisely. */
  last_changed?: string;
}

export class MailchimpStore {
  private lists = new Map<string, ListState>();
  private seeds: MailchimpListSeed[];

  constructor(seeds: MailchimpListSeed[]) {
    this.seeds = seeds;
    this.load();
  }

  /** Back to the seed data, dropping every run-time edit. */
  reset(): void {
    this.load();
  }

  private load(): void {
    this.lists = new Map();
    for (const seed of this.seeds) {
      const { members, ...list } = seed;
      const state: ListState = {
        list: { ...list, tags: [...list.tags] },
        savedSegments: [],
        members: [],
        byHash: new Map(),
        version: 0,
        sortCache: new Map(),
      };
      members.forEach((m) => this.insert(state, m));
      this.lists.set(list.id, state);
    }
  }

  private insert(state: ListState, seed: MailchimpMemberSeed): StoredMember {
    const stored: StoredMember = {
      hash: subscriberHash(seed.email_address),
      seed,
      lastChanged: toSeconds(seed.last_changed),
      order: state.members.length,
    };
    // Duplicate addresses (by case) within one audience are impossible in Mailchimp: the first one wins.
    if (state.byHash.has(stored.hash)) return state.byHash.get(stored.hash)!;
    state.members.push(stored);
    state.byHash.set(stored.hash, stored);
    return stored;
  }

  allLists(): ListState[] {
    return [...this.lists.values()];
  }

  list(id: string): ListState | undefined {
    return this.lists.get(id);
  }

  /** Accepts the subscriber hash or the email address, as the API does. */
  member(listId: string, hashOrEmail: string): StoredMember | undefined {
    const state = this.lists.get(listId);
    if (!state) return undefined;
    const key = hashOrEmail.includes('@') ? subscriberHash(hashOrEmail) : hashOrEmail.toLowerCase();
    return state.byHash.get(key);
  }

  updateMember(listId: string, hashOrEmail: string, patch: MemberPatch): MailchimpMemberSeed {
    const state = this.requireList(listId);
    const stored = this.member(listId, hashOrEmail);
    if (!stored) throw new Error(`No member ${hashOrEmail} in list ${listId}`);
    // Copy on write: the dataset stays as generated, so tests can still read the original seed.
    const next: MailchimpMemberSeed = {
      ...stored.seed,
      last_changed: patch.last_changed ?? nowMailchimpTime(),
    };
    if (patch.status) {
      next.status = patch.status;
      if (patch.status === 'unsubscribed') {
        next.unsubscribe_reason = patch.unsubscribe_reason ?? 'N/A (Unsubscribed by admin)';
      } else delete next.unsubscribe_reason;
    }
    if (patch.merge_fields) next.merge_fields = { ...stored.seed.merge_fields, ...patch.merge_fields };
    if (patch.tags) next.tags = patch.tags.map((name) => this.tagNamed(state, name));
    if (patch.email_address && patch.email_address !== stored.seed.email_address) {
      next.email_address = patch.email_address;
      const newHash = subscriberHash(patch.email_address);
      if (newHash !== stored.hash && state.byHash.has(newHash)) {
        throw new Error(`${patch.email_address} is already a member of list ${listId}`);
      }
      state.byHash.delete(stored.hash);
      stored.hash = newHash;
      state.byHash.set(newHash, stored);
    }
    stored.seed = next;
    stored.lastChanged = toSeconds(next.last_changed);
    state.version++;
    return next;
  }

  addMember(listId: string, seed: MailchimpMemberSeed): void {
    const state = this.requireList(listId);
    this.insert(state, seed);
    state.version++;
  }

  /** Like POST …/actions/delete-permanent: afterwards the member is a 404. */
  deletePermanently(listId: string, hashOrEmail: string): void {
    const state = this.requireList(listId);
    const stored = this.member(listId, hashOrEmail);
    if (!stored) return;
    state.byHash.delete(stored.hash);
    state.members = state.members.filter((m) => m !== stored);
    state.version++;
  }

  /** A saved segment holding these members (hashes or addresses); its id follows Mailchimp's integer ids. */
  addSavedSegment(listId: string, name: string, members: string[]): number {
    const state = this.requireList(listId);
    const id = 70000 + state.savedSegments.length;
    state.savedSegments.push({ id, name, createdAt: nowMailchimpTime(), hashes: new Set() });
    this.setSegmentMembers(listId, id, members);
    return id;
  }

  /** Replaces a saved segment's members, as a change of conditions or of member data would. */
  setSegmentMembers(listId: string, segmentId: number, members: string[]): void {
    const state = this.requireList(listId);
    const segment = state.savedSegments.find((s) => s.id === segmentId);
    if (!segment) throw new Error(`No saved segment ${segmentId} in list ${listId}`);
    segment.hashes = new Set(members.map((m) => (m.includes('@') ? subscriberHash(m) : m.toLowerCase())));
  }

  private requireList(listId: string): ListState {
    const state = this.lists.get(listId);
    if (!state) throw new Error(`No Mailchimp list ${listId}`);
    return state;
  }

  private tagNamed(state: ListState, name: string): MailchimpTagSeed {
    let tag = state.list.tags.find((t) => t.name === name);
    if (!tag) {
      tag = { id: 90000 + state.list.tags.length, name };
      state.list.tags.push(tag);
    }
    return tag;
  }
}
