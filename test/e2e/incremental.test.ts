/**
 * Incremental syncs. The first sync without a watermark reads everything; the next one reads and
 * writes only what changed in the sources, carries unsubscribes, email changes and resubscribes the
 * consent-safe way, and never deletes. A schedule fires syncs and skips (and counts) a firing while one runs.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { QUEUE_NAMES } from '../../src/queue/queues.ts';
import { Schedules } from '../../src/run/schedules.ts';
import type { RunInfo } from '../../src/run/types.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import { generateDataset } from '../../src/sandbox/index.ts';
import type { MailchimpMemberSeed } from '../../src/sandbox/generator/types.ts';
import { constantContactRecords, mailchimpRecords, normalize } from '../helpers/expected-state.ts';
import { WRITE_ROUTES, consentOf, contactsByEmail, hubspotCalls } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, sleep, waitFor } from './helpers/stack.ts';

const OPTIONS = {
  seed: 71,
  mailchimp: { audiences: 1, membersPerAudience: 300 },
  constantContact: { contacts: 150 },
  overlap: 0,
  hubspotPreexisting: { contacts: 20, optedOutShare: 0.3 },
};

const pool = new StackPool();
afterEach(() => pool.closeAll());

async function openStack(): Promise<LocalStack> {
  const dataset = generateDataset(OPTIONS);
  return pool.open({
    sandbox: { seed: 71, limits: false, dataset },
    env: { CONSTANT_CONTACT_RATE_LIMIT: '100' },
  });
}

/** Members of one status with a valid address nobody else in the data shares, in seed order. */
function members(stack: LocalStack, listId: string, status: string): MailchimpMemberSeed[] {
  const known = new Set(stack.sandbox.dataset.hubspot.contacts.map((c) => c.email.trim().toLowerCase()));
  return stack.sandbox.mailchimp
    .members(listId)
    .filter(
      (m) => m.status === status && normalize(m.email_address) && !known.has(normalize(m.email_address)!),
    );
}

describe('incremental sync', () => {
  it('reads and writes only what changed, opts out unsubscribes, moves email changes, never resubscribes or deletes', async () => {
    const stack = await openStack();
    const { sandbox } = stack;
    const listId = sandbox.dataset.mailchimp.lists[0]!.id;
    const all = [...mailchimpRecords(sandbox.dataset), ...constantContactRecords(sandbox.dataset)];

    // The first sync of a source with no watermark is a full read.
    const first = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'sync' });
    expect(first.run.kind).toBe('sync');
    expect(first.counts.read).toBe(all.length);
    const marks = await new WatermarkStore(stack.app.redis, stack.config.queuePrefix).all();
    expect(Object.keys(marks).sort()).toEqual(['constant-contact', `mailchimp:${listId}`]);
    const firstCalls = sandbox.callCounts();
    const before = sandbox.hubspot.snapshot();
    const beforeByEmail = contactsByEmail(before);

    // Activity in the sources between two syncs.
    const [toUnsub, toRename, toMove, toArchive] = members(stack, listId, 'subscribed');
    const [toResubscribe] = members(stack, listId, 'unsubscribed');
    const mc = sandbox.mailchimp;
    mc.updateMember(listId, toUnsub!.email_address, { status: 'unsubscribed' });
    mc.updateMember(listId, toRename!.email_address, { merge_fields: { FNAME: 'Renamed' } });
    const movedTo = `moved.${toMove!.contact_id.slice(0, 8)}@example.net`;
    mc.updateMember(listId, toMove!.email_address, { email_address: movedTo });
    mc.updateMember(listId, toArchive!.email_address, { status: 'archived' });
    mc.updateMember(listId, toResubscribe!.email_address, { status: 'subscribed' });
    const cc = sandbox.constantContact;
    const ccWith = (permission: string) =>
      cc
        .contacts()
        .filter(
          (c) =>
            c.email_address?.permission_to_send === permission &&
            !c.deleted_at &&
            normalize(c.email_address.address),
        );
    const [ccUnsub, ccDelete] = ccWith('explicit');
    const [ccRename] = ccWith('implicit');
    const ccUpdatedAt = ccUnsub!.updated_at;
    cc.setPermission(ccUnsub!.contact_id, 'unsubscribed');
    expect(cc.contact(ccUnsub!.contact_id)!.updated_at).toBe(ccUpdatedAt);
    cc.updateContact(ccRename!.contact_id, { first_name: 'Renamée' });
    cc.deleteContact(ccDelete!.contact_id);
    const mcKey = (m: MailchimpMemberSeed) => `mailchimp:${listId}:${m.contact_id}`;
    const changedKeys = [
      ...[toUnsub, toRename, toMove, toArchive, toResubscribe].map((m) => mcKey(m!)),
      ...[ccUnsub, ccRename, ccDelete].map((c) => `constant-contact:${c!.contact_id}`),
    ].sort();
    // Mailchimp's last_changed has whole seconds and a run reads below the second it starts in.
    await sleep(1100);

    sandbox.resetCallCounts();
    const second = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'sync' });
    const calls = sandbox.callCounts();
    const after = sandbox.hubspot.snapshot();
    const afterByEmail = contactsByEmail(after);
    const rows = await rowsOf(stack.app.store, second.run.id);

    // Only the changed records were read and written.
    expect(second.run.status).toBe('completed');
    expect([...rows.keys()].sort()).toEqual(changedKeys);
    expect(second.counts.read).toBe(changedKeys.length);
    expect(hubspotCalls(calls, WRITE_ROUTES.upsert)).toBeGreaterThan(0);
    expect(hubspotCalls(calls, WRITE_ROUTES.upsert)).toBeLessThanOrEqual(4);
    expect(calls.hubspot.calls).toBeLessThan(firstCalls.hubspot.calls / 2);
    const touched = after.contacts.filter((c) => {
      const was = before.contacts.find((b) => b.id === c.id);
      return !was || was.updatedAt !== c.updatedAt;
    });
    // Written: the four changed Mailchimp members still in the audience, the two changed CC contacts.
    expect(touched.map((c) => c.email).sort()).toEqual(
      [
        ...[toUnsub, toRename, toResubscribe].map((m) => normalize(m!.email_address)!),
        movedTo,
        ...[ccUnsub, ccRename].map((c) => normalize(c!.email_address!.address)!),
      ].sort(),
    );

    // Unsubscribes reached HubSpot, including the one that did not move Constant Contact's updated_at.
    for (const email of [toUnsub!.email_address, ccUnsub!.email_address!.address]) {
      expect([email, consentOf(after, normalize(email)!)]).toEqual([
        email,
        { optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED' },
      ]);
    }
    expect(second.counts.optedOut).toBe(2);

    // Resubscribed in Mailchimp after an opt-out: kept opted out and counted.
    const resubscribed = normalize(toResubscribe!.email_address)!;
    expect(consentOf(before, resubscribed).optedOutOfAll).toBe(true);
    expect(consentOf(after, resubscribed).optedOutOfAll).toBe(true);
    expect(rows.get(mcKey(toResubscribe!))?.consent).toBe('keptOptedOut');
    expect(second.counts.keptOptedOut).toBe(1);
    // The one subscription written is the moved member's new address (statuses are per address).
    expect(second.counts.subscribed).toBe(1);
    expect(rows.get(mcKey(toMove!))?.consent).toBe('subscribed');
    expect(after.history.resubscribeAttempts).toEqual([]);

    // The email change moved the existing contact: same id, new address, no duplicate, old address gone.
    const oldEmail = normalize(toMove!.email_address)!;
    const oldContact = beforeByEmail.get(oldEmail)?.[0];
    expect(oldContact).toBeDefined();
    expect(afterByEmail.get(oldEmail)).toBeUndefined();
    expect(afterByEmail.get(movedTo)?.map((c) => c.id)).toEqual([oldContact!.id]);
    expect(after.contacts).toHaveLength(before.contacts.length);
    expect(consentOf(after, movedTo)).toEqual({ optedOutOfAll: false, marketing: 'SUBSCRIBED' });

    // Property changes arrived.
    expect(afterByEmail.get(normalize(toRename!.email_address)!)?.[0]?.properties.firstname).toBe('Renamed');
    expect(afterByEmail.get(normalize(ccRename!.email_address!.address)!)?.[0]?.properties.firstname).toBe(
      'Renamée',
    );

    // Archived and deleted in the source: skipped and listed, never deleted in HubSpot.
    for (const key of [mcKey(toArchive!), `constant-contact:${ccDelete!.contact_id}`]) {
      expect([key, rows.get(key)?.outcome]).toEqual([key, 'skipped']);
    }
    expect(afterByEmail.get(normalize(toArchive!.email_address)!)).toHaveLength(1);
    expect(afterByEmail.get(normalize(ccDelete!.email_address!.address)!)).toHaveLength(1);
    expect(second.counts.skipped).toBe(2);
  }, 60_000);

  it('a schedule every second runs syncs that pick up changes, and skips a firing while a sync still runs', async () => {
    const stack = await openStack();
    const { sandbox } = stack;
    const listId = sandbox.dataset.mailchimp.lists[0]!.id;
    await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    const [toUnsub] = members(stack, listId, 'subscribed');
    sandbox.mailchimp.updateMember(listId, toUnsub!.email_address, { status: 'unsubscribed' });
    const email = normalize(toUnsub!.email_address)!;
    expect(consentOf(sandbox.hubspot.snapshot(), email).optedOutOfAll).toBe(false);

    // Slow Mailchimp answers make each sync outlast the next firing.
    sandbox.faults.set({ mailchimp: { latencyMs: 400 } });
    const schedules = new Schedules(
      stack.app.queues.byName[QUEUE_NAMES.runs],
      stack.app.redis,
      stack.config.queuePrefix,
    );
    const since = new Date().toISOString();
    const id = await schedules.add({ sources: ['mailchimp'], audiences: [], cron: '* * * * * *' });
    const scheduledRuns = async (): Promise<RunInfo[]> =>
      (await stack.app.store.listRuns()).filter((r) => r.kind === 'sync' && r.createdAt >= since);

    await waitFor(
      'a scheduled sync to carry the unsubscribe, and a firing to be skipped',
      async () => {
        const [info] = await schedules.list();
        const finished = (await scheduledRuns()).filter((r) => r.finishedAt !== null);
        return (
          (info?.skipped ?? 0) > 0 &&
          finished.length > 0 &&
          consentOf(sandbox.hubspot.snapshot(), email).optedOutOfAll
        );
      },
      25_000,
    );
    expect(await schedules.remove(id)).toBe(true);
    expect(await schedules.list()).toEqual([]);
    sandbox.faults.clear();
    await waitFor(
      'the last scheduled sync to finish',
      async () => (await scheduledRuns()).every((r) => r.finishedAt !== null),
      15_000,
    );

    const runs = (await scheduledRuns()).sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    // Never two syncs of the source at once: each started after the previous one finished.
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.startedAt! >= runs[i - 1]!.finishedAt!).toBe(true);
    }
    const counts = await Promise.all(runs.map((r) => stack.app.store.counts(r.id)));
    // The change was read once it happened, and nothing else: no sync re-read the whole audience.
    expect(counts.reduce((n, c) => n + c.counts.optedOut, 0)).toBe(1);
    for (const c of counts) expect(c.counts.read).toBeLessThanOrEqual(1);
    expect(sandbox.hubspot.snapshot().history.resubscribeAttempts).toEqual([]);
  }, 60_000);
});
