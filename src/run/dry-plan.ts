import type { Redis } from 'ioredis';
import {
  PLANNED_CALL_KINDS,
  type DryRunPlan,
  type PlannedCallKind,
  type PlannedCalls,
  type PlannedContact,
  type PlannedContactWrite,
  type PlannedStep,
} from '../core/ports.ts';
import { scanHash } from '../lib/redis-hash.ts';
import { runKeys } from './keys.ts';

/** A planned contact write as the report shows it. */
export type RecordPlan = Pick<PlannedContactWrite, 'action' | 'changes'>;

export interface DryRunTotals {
  /** HubSpot calls the real run would make, by kind, and their sum. */
  calls: Record<PlannedCallKind, number>;
  totalCalls: number;
  /** Contacts the real run would subscribe to marketing email, and how many of them it would create. */
  subscribed: number;
  newSubscribed: number;
  lists: string[];
  properties: string[];
}

const MOVED_AWAY = '-';

/**
 * A dry run's plan in Redis, under the run's keys (they expire with the run): what each record would write,
 * what HubSpot would then hold, and the calls it would take. Implements the DryRunPlan the dry sink writes to.
 */
export class DryPlanStore implements DryRunPlan {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly retentionSeconds: number;
  constructor(redis: Redis, prefix: string, runId: string, retentionSeconds = 7 * 24 * 3600) {
    this.redis = redis;
    this.keys = runKeys(prefix, runId);
    this.retentionSeconds = retentionSeconds;
  }

  async contacts(emails: string[]): Promise<Map<string, PlannedContact | 'movedAway'>> {
    const out = new Map<string, PlannedContact | 'movedAway'>();
    if (emails.length === 0) return out;
    const values = await this.redis.hmget(this.keys.planContacts, ...emails);
    emails.forEach((email, i) => {
      const value = values[i];
      if (value === null || value === undefined) return;
      if (value === MOVED_AWAY) out.set(email, 'movedAway');
      else out.set(email, { hubspotId: value.slice(2), created: value.startsWith('n|') });
    });
    return out;
  }

  async consent(emails: string[]): Promise<Map<string, 'optedOut' | 'subscribed'>> {
    const out = new Map<string, 'optedOut' | 'subscribed'>();
    if (emails.length === 0) return out;
    const values = await this.redis.hmget(this.keys.planConsent, ...emails);
    emails.forEach((email, i) => {
      const value = values[i];
      if (value === 'optedOut' || value === 'subscribed') out.set(email, value);
    });
    return out;
  }

  async record(step: PlannedStep, calls: PlannedCalls): Promise<void> {
    const k = this.keys;
    const pipeline = this.redis.pipeline();
    // Each key written gets the run's expiry when it is created (NX: never pushed back).
    const touched = new Set<string>();
    const touch = (key: string) => {
      touched.add(key);
      return pipeline;
    };
    for (const [kind, count] of Object.entries(calls)) {
      if (count) touch(k.planTotals).hincrby(k.planTotals, `calls:${kind}`, count);
    }
    if (step.kind === 'contacts' && step.writes.length > 0) {
      const plans: Record<string, string> = {};
      for (const w of step.writes) {
        plans[w.key] = JSON.stringify({ action: w.action, changes: w.changes } satisfies RecordPlan);
      }
      touch(k.plan).hset(k.plan, plans);
      // Only new contacts go in: one the portal already has is read from HubSpot.
      this.newContacts(
        touch,
        step.writes.filter((w) => w.action === 'create'),
      );
    } else if (step.kind === 'newContacts') {
      this.newContacts(touch, step.contacts);
    } else if (step.kind === 'moves') {
      for (const m of step.moves) {
        touch(k.planContacts).hset(k.planContacts, m.oldEmail, MOVED_AWAY, m.newEmail, `o|${m.hubspotId}`);
      }
    } else if (step.kind === 'consent' && step.emails.length > 0) {
      if (step.state === 'optedOut') {
        touch(k.planConsent).hset(k.planConsent, Object.fromEntries(step.emails.map((e) => [e, step.state])));
      } else {
        // An opt-out planned by another batch stays: nothing this run does resubscribes.
        for (const email of step.emails) touch(k.planConsent).hsetnx(k.planConsent, email, step.state);
      }
    } else if (step.kind === 'list') touch(k.planLists).sadd(k.planLists, step.name);
    else if (step.kind === 'properties' && step.names.length > 0) {
      touch(k.planProperties).sadd(k.planProperties, ...step.names);
    }
    if (touched.size === 0) return;
    for (const key of touched) pipeline.expire(key, this.retentionSeconds, 'NX');
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  private newContacts(
    touch: (key: string) => ReturnType<Redis['pipeline']>,
    contacts: { email: string; hubspotId: string }[],
  ): void {
    if (contacts.length === 0) return;
    const entries: Record<string, string> = {};
    for (const c of contacts) entries[c.email] = `n|${c.hubspotId}`;
    touch(this.keys.planContacts).hset(this.keys.planContacts, entries);
  }

  /** The planned contact writes of these records (absent: no contact write planned). */
  async recordPlans(keys: string[]): Promise<Map<string, RecordPlan>> {
    const out = new Map<string, RecordPlan>();
    if (keys.length === 0) return out;
    const values = await this.redis.hmget(this.keys.plan, ...keys);
    keys.forEach((key, i) => {
      const value = values[i];
      if (value) out.set(key, JSON.parse(value) as RecordPlan);
    });
    return out;
  }

  async totals(): Promise<DryRunTotals> {
    const [raw, lists, properties, marketing] = await Promise.all([
      this.redis.hgetall(this.keys.planTotals),
      this.redis.smembers(this.keys.planLists),
      this.redis.smembers(this.keys.planProperties),
      this.subscribedAddresses(),
    ]);
    const calls = Object.fromEntries(
      PLANNED_CALL_KINDS.map((kind) => [kind, Number(raw[`calls:${kind}`] ?? 0)]),
    ) as Record<PlannedCallKind, number>;
    return {
      calls,
      totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
      ...marketing,
      lists: lists.sort(),
      properties: properties.sort(),
    };
  }

  /** Addresses the run would subscribe (each once, however often it was planned), and how many are new. */
  private async subscribedAddresses(): Promise<{ subscribed: number; newSubscribed: number }> {
    let subscribed = 0;
    let newSubscribed = 0;
    for await (const entries of scanHash(this.redis, this.keys.planConsent)) {
      const emails = entries.filter(([, state]) => state === 'subscribed').map(([email]) => email);
      subscribed += emails.length;
      const contacts = await this.contacts(emails);
      newSubscribed += emails.filter((e) => {
        const c = contacts.get(e);
        return c !== undefined && c !== 'movedAway' && c.created;
      }).length;
    }
    return { subscribed, newSubscribed };
  }
}

/** "update firstname: Ann → Anna; city: (empty) → Oslo", or "create with firstname: Ann; city: Oslo". */
export function planText(plan: RecordPlan | undefined): string {
  if (!plan) return '';
  if (plan.action === 'create') {
    const values = plan.changes.map((c) => `${c.property}: ${c.to}`).join('; ');
    return values ? `create with ${values}` : 'create';
  }
  const changes = plan.changes.map((c) => `${c.property}: ${c.from ?? '(empty)'} → ${c.to}`).join('; ');
  return changes ? `update ${changes}` : 'update (no property changes)';
}
