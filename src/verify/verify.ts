/**
 * `esp-sync verify`: reads the sources (the mapping and consent rules of a migration) and HubSpot (batch reads
 * through the sink, so within the same shared rate limit as the workers), and lists every person whose HubSpot
 * state differs from what the sources and the consent ledger call for. Memory stays flat: people are merged in
 * a Redis hash while the sources are read, then compared with HubSpot 100 at a time.
 */
import type { Redis } from 'ioredis';
import type { SourceName } from '../core/contact.ts';
import type { HubSpotReadPort } from '../core/ports.ts';
import type { ConsentLedger } from '../ledger/ledger.ts';
import type { ConsentPolicy } from '../mapping/policy.ts';
import {
  compareOne,
  DIFFERENCE_KINDS,
  FAILING_KINDS,
  type Difference,
  type DifferenceKind,
} from './compare.ts';
import { PeopleStore } from './people-store.ts';
import { readSources, type SourceCounts, type SourceReaders } from './read-sources.ts';

/** HubSpot's batch reads take at most 100 inputs. */
const HUBSPOT_CHUNK = 100;
/**
 * People listed per kind that does not fail verify (their count stays exact): a portal that was never migrated
 * would otherwise hold every person in memory. Opt-outs are always listed in full: --fix writes each of them.
 */
const MAX_LISTED = 10_000;
/** Progress lines at most this often (records or people). */
const PROGRESS_EVERY = 5000;

export interface VerifyDeps {
  redis: Redis;
  prefix: string;
  hubspot: HubSpotReadPort;
  readers: SourceReaders;
  ledger: Pick<ConsentLedger, 'strictestConsent' | 'pendingOptOutsFor'>;
  /** The ledger's property owner per address ("<changedAt>|<recordKey>"); absent when it knows none. */
  propertyOwners: (emails: string[]) => Promise<Map<string, string>>;
  policy: ConsentPolicy;
  /** People listed per kind that does not fail verify; default 10,000. */
  maxListed?: number;
  /** Progress for big audiences (the CLI prints it on stderr). */
  progress?: (message: string) => void;
  /**
   * Called after each source page and each chunk compared with HubSpot (a verify run records its progress
   * here, and stops by throwing when it is cancelled).
   */
  heartbeat?: (state: VerifyProgress) => Promise<void>;
  /**
   * Each chunk's differences as they are found: those listed (within the caps) and the count found per kind.
   * A verify run stores them in Redis.
   */
  onDifferences?: (listed: Difference[], found: Partial<Record<DifferenceKind, number>>) => Promise<void>;
  /** Keep the listed differences in the report (default); false when onDifferences stores them. */
  keepDifferences?: boolean;
}

/** Where verify is: reading the sources, or comparing the people found with HubSpot. */
export type VerifyProgress =
  { step: 'reading'; read: number } | { step: 'comparing'; read: number; people: number; compared: number };

export interface VerifyOptions {
  sources: SourceName[];
  audiences: string[];
}

export interface VerifyReport {
  checkedAt: string;
  sources: SourceName[];
  audiences: string[];
  records: SourceCounts;
  /** People (distinct addresses) the sources call for. */
  people: number;
  counts: Record<DifferenceKind, number>;
  /** People counted but not listed, per kind (beyond the first 10,000 of a kind that does not fail verify). */
  unlisted: Partial<Record<DifferenceKind, number>>;
  /** True when no opt-out is missing or unprovable: what exit code 0 means. */
  ok: boolean;
  /** Most important kind first, then by email. */
  differences: Difference[];
}

export async function verify(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const checkedAt = new Date().toISOString();
  const store = new PeopleStore(deps.redis, deps.prefix);
  try {
    let nextNote = PROGRESS_EVERY;
    const records = await readSources(deps.readers, {
      ...options,
      policy: deps.policy,
      firstSeen: (keys) => store.firstSeen(keys),
      onPage: (contacts) => store.add(contacts),
      onProgress: async (read) => {
        await deps.heartbeat?.({ step: 'reading', read });
        if (read >= nextNote) {
          deps.progress?.(`read ${read} source records`);
          nextNote = read + PROGRESS_EVERY;
        }
      },
    });
    const people = await store.count();
    deps.progress?.(`read ${records.read} source records (${people} people); comparing with HubSpot`);
    const step = { step: 'comparing', read: records.read, people } as const;
    await deps.heartbeat?.({ ...step, compared: 0 });

    const differences: Difference[] = [];
    const counts = Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, 0])) as Record<DifferenceKind, number>;
    const unlisted: Partial<Record<DifferenceKind, number>> = {};
    let compared = 0;
    nextNote = PROGRESS_EVERY;
    for await (const scanned of store.chunks(HUBSPOT_CHUNK)) {
      // HSCAN may return a field twice (while Redis rehashes the hash): each person is compared once.
      const fresh = await store.firstSeen(scanned.map((p) => `person:${p.email}`));
      const chunk = scanned.filter((_, i) => fresh[i]);
      if (chunk.length === 0) continue;
      const emails = chunk.map((p) => p.email);
      const propertyNames = [...new Set(chunk.flatMap((p) => Object.keys(p.properties)))];
      const [contacts, consent, ranks, pending, owners] = [
        await deps.hubspot.readContacts(emails, propertyNames),
        await deps.hubspot.readConsent(emails),
        await deps.ledger.strictestConsent(emails),
        await deps.ledger.pendingOptOutsFor(emails),
        await deps.propertyOwners(emails),
      ];
      const listed: Difference[] = [];
      const foundKinds: Partial<Record<DifferenceKind, number>> = {};
      for (const person of chunk) {
        const found = compareOne(person, {
          contact: contacts.get(person.email),
          consent: consent.get(person.email),
          ledgerRank: ranks.get(person.email),
          ledgerOwner: owners.get(person.email),
        });
        const waiting = pending.get(person.email);
        for (const d of found) {
          if (d.kind === 'optOutMissing' && waiting) {
            d.detail += ` (pending in the consent ledger since ${waiting.since}; every run sends it again)`;
          }
          counts[d.kind]++;
          foundKinds[d.kind] = (foundKinds[d.kind] ?? 0) + 1;
          if (FAILING_KINDS.has(d.kind) || counts[d.kind] <= (deps.maxListed ?? MAX_LISTED)) {
            listed.push(d);
          } else unlisted[d.kind] = (unlisted[d.kind] ?? 0) + 1;
        }
      }
      if (listed.length > 0 || Object.keys(foundKinds).length > 0) {
        await deps.onDifferences?.(listed, foundKinds);
      }
      if (deps.keepDifferences !== false) differences.push(...listed);
      compared += chunk.length;
      await deps.heartbeat?.({ ...step, compared });
      if (compared >= nextNote) {
        deps.progress?.(`compared ${compared} of ${people} people`);
        nextNote = compared + PROGRESS_EVERY;
      }
    }

    const order = (k: DifferenceKind) => DIFFERENCE_KINDS.indexOf(k);
    differences.sort((a, b) => order(a.kind) - order(b.kind) || a.email.localeCompare(b.email));
    return {
      checkedAt,
      sources: options.sources,
      audiences: options.audiences,
      records,
      people,
      counts,
      unlisted,
      ok: [...FAILING_KINDS].every((kind) => counts[kind] === 0),
      differences,
    };
  } finally {
    await store.drop();
  }
}
