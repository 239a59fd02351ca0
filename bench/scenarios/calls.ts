/**
 * Scenario 3 (calls against the floor) and scenario 5 (incremental): a full migration from both sources, then,
 * after 1% of the records changed in the sources, a sync. Both figures are counts, not times, so they mean the
 * same on a loaded machine. Limits are off: batches then fill only from what is waiting, the harder case.
 */
import { startLocalStack, type LocalStack } from '../../src/demo/local-stack.ts';
import type { RunSnapshot } from '../../src/run/follow.ts';
import {
  floorOf,
  hubspotCallsByKind,
  otherRoutes,
  runOutcome,
  sum,
  type ByKind,
  type RunOutcome,
} from '../lib/calls.ts';
import type { BenchRedis } from '../lib/redis-server.ts';

export interface CallsResult {
  records: number;
  full: RunCalls;
  incremental: RunCalls & {
    changed: Record<string, number>;
    /** HubSpot calls of the sync as a share of the full migration's (target ≤ 2%). */
    shareOfFull: number;
  };
}

export interface RunCalls {
  status: string;
  read: number;
  outcome: RunOutcome;
  made: ByKind;
  floor: ByKind;
  /** made / floor over every kind (target ≤ 1.02). */
  ratio: number;
  otherRoutes: Record<string, number>;
}

async function measure(stack: LocalStack, done: RunSnapshot): Promise<RunCalls> {
  const counts = stack.sandbox.callCounts();
  const made = hubspotCallsByKind(counts);
  const outcome = await runOutcome(stack.app.store, done.run.id, done.run.subscribe.total);
  const floor = floorOf(outcome, made);
  return {
    status: done.run.status,
    read: done.counts.read,
    outcome,
    made,
    floor,
    ratio: sum(made) / Math.max(1, sum(floor)),
    otherRoutes: otherRoutes(counts),
  };
}

/** Changes about 1% of all records, spread over every kind of change the sources know, and one email change. */
function changeOnePercent(stack: LocalStack, records: number): Record<string, number> {
  const { mailchimp: mc, constantContact: cc } = stack.sandbox;
  const budget = Math.max(9, Math.round(records / 100));
  const changed: Record<string, number> = {};
  const count = (kind: string) => (changed[kind] = (changed[kind] ?? 0) + 1);
  const subscribed = mc.listIds().flatMap((listId) =>
    mc
      .members(listId)
      .filter((m) => m.status === 'subscribed')
      .map((m) => ({ listId, email: m.email_address })),
  );
  const ccContacts = cc
    .contacts()
    .filter((c) => c.email_address?.permission_to_send === 'explicit' && !c.deleted_at);
  const mcChanges: [string, (listId: string, email: string, i: number) => void][] = [
    ['mailchimp edit', (l, e, i) => mc.updateMember(l, e, { merge_fields: { FNAME: `Edited${i}` } })],
    ['mailchimp unsubscribe', (l, e) => mc.updateMember(l, e, { status: 'unsubscribed' })],
    ['mailchimp clean', (l, e) => mc.updateMember(l, e, { status: 'cleaned' })],
    ['mailchimp archive', (l, e) => mc.updateMember(l, e, { status: 'archived' })],
    ['mailchimp tag change', (l, e, i) => mc.updateMember(l, e, { tags: [`bench-tag-${i % 3}`] })],
  ];
  const ccChanges: [string, (id: string, i: number) => void][] = [
    ['constant contact edit', (id, i) => cc.updateContact(id, { first_name: `Edited${i}` })],
    ['constant contact unsubscribe', (id) => cc.unsubscribe(id)],
    ['constant contact delete', (id) => cc.deleteContact(id)],
  ];
  const first = subscribed[0];
  if (first) {
    mc.updateMember(first.listId, first.email, { email_address: `changed.${first.email}` });
    count('mailchimp email change');
  }
  const kinds = mcChanges.length + ccChanges.length;
  for (let i = 1; i < budget; i++) {
    const slot = i % kinds;
    const mcChange = mcChanges[slot];
    const target = subscribed[i];
    if (mcChange && target) {
      mcChange[1](target.listId, target.email, i);
      count(mcChange[0]);
      continue;
    }
    const ccChange = ccChanges[slot - mcChanges.length];
    const contact = ccContacts[i];
    if (ccChange && contact) {
      ccChange[1](contact.contact_id, i);
      count(ccChange[0]);
    }
  }
  return changed;
}

/**
 * The sandbox of the call scenarios: half the records in two Mailchimp audiences, half in Constant Contact, and
 * 5% of them already in HubSpot (30% of those opted out). One seed, so the modes and runs compare.
 */
export function callsSandbox(records: number) {
  const perSource = Math.round(records / 2);
  return {
    seed: 42,
    limits: false,
    dataset: {
      seed: 42,
      mailchimp: { audiences: 2, membersPerAudience: Math.round(perSource / 2) },
      constantContact: { contacts: perSource },
      hubspotPreexisting: { contacts: Math.round(records / 20), optedOutShare: 0.3 },
    },
  };
}

export async function runCallsScenario(
  redis: BenchRedis,
  records: number,
  prefix: string,
): Promise<CallsResult> {
  const stack = await startLocalStack({
    queuePrefix: prefix,
    redisUrl: redis.url,
    sandbox: callsSandbox(records),
    env: { WORKER_CONCURRENCY: '8' },
  });
  try {
    const sources = ['mailchimp', 'constant-contact'] as const;
    stack.sandbox.resetCallCounts();
    const fullRun = await stack.run({ sources: [...sources], kind: 'migrate', mode: 'batch' });
    const full = await measure(stack, fullRun);

    const changed = changeOnePercent(stack, fullRun.counts.read);
    // Mailchimp's last_changed has whole seconds, and a sync reads strictly before the second it starts in.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    stack.sandbox.resetCallCounts();
    const syncRun = await stack.run({ sources: [...sources], kind: 'sync' });
    const incremental = await measure(stack, syncRun);
    return {
      records: fullRun.counts.read,
      full,
      incremental: {
        ...incremental,
        changed,
        shareOfFull: sum(incremental.made) / Math.max(1, sum(full.made)),
      },
    };
  } finally {
    await stack.close();
  }
}
