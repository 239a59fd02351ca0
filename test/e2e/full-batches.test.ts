/**
 * Batches are full whenever records are waiting, across pages and sources: a migration makes exactly one
 * contact upsert per 100 contacts it writes and one opt-out write per 100 opt-outs, although every page of
 * every source chain (Mailchimp reads one chain per audience and status, Constant Contact 500 a page) leaves a
 * part of a batch behind. A sync of a few changes makes one upsert and one opt-out write for all its sources.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { generateDataset } from '../../src/sandbox/index.ts';
import { hubspotCallsByKind, runOutcome, type ByKind } from '../../bench/lib/calls.ts';
import { StackPool, rowsOf, sleep } from './helpers/stack.ts';
import type { LocalStack } from '../../src/demo/local-stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

const OPTIONS = {
  seed: 29,
  // Members of each status form their own chain; 1,350 Constant Contact contacts are pages of 500, 500, 350.
  mailchimp: { audiences: 2, membersPerAudience: 450 },
  constantContact: { contacts: 1_350 },
  overlap: 0,
  hubspotPreexisting: { contacts: 0 },
};

async function openStack(): Promise<LocalStack> {
  return pool.open({
    sandbox: { seed: OPTIONS.seed, limits: false, dataset: generateDataset(OPTIONS) },
    env: { CONSTANT_CONTACT_RATE_LIMIT: '100' },
  });
}

function callsSince(stack: LocalStack, before: ByKind): ByKind {
  const now = hubspotCallsByKind(stack.sandbox.callCounts());
  return Object.fromEntries(
    Object.entries(now).map(([k, n]) => [k, n - before[k as keyof ByKind]]),
  ) as ByKind;
}

describe('full batches across pages and sources', () => {
  it('a migration makes one upsert per 100 contacts written and one opt-out write per 100 opt-outs', async () => {
    const stack = await openStack();
    const before = hubspotCallsByKind(stack.sandbox.callCounts());
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'migrate' });
    expect(done.run.status).toMatch(/^completed/);
    const made = callsSince(stack, before);
    const outcome = await runOutcome(stack.app.store, done.run.id, 0);
    // The data really leaves partial batches behind on every page: more than a few hundred of each.
    expect(outcome.contactsWritten).toBeGreaterThan(1_500);
    expect(outcome.optOuts).toBeGreaterThan(250);
    expect(outcome.contactsWritten % 100).not.toBe(0);
    // Per 100 records that reach HubSpot's upsert, one call: every record of a contact kind, less the few
    // that end before it (a newer copy already read). One opt-out write per 100 opt-outs, and one more at most:
    // two records of one address cannot share a batch, so an address read twice may need a batch of its own.
    const contactRecords = done.counts.read - done.counts.skipped;
    expect(made.upsert).toBe(Math.ceil(contactRecords / 100));
    expect(made.optOutWrite).toBeLessThanOrEqual(Math.ceil(outcome.optOuts / 100) + 1);

    // Every record read has exactly one outcome.
    const rows = await rowsOf(stack.app.store, done.run.id);
    expect(rows.size).toBe(done.counts.read);
  }, 120_000);

  it('a sync of changes in every source writes them in one upsert and one opt-out write', async () => {
    const stack = await openStack();
    await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'migrate' });
    const { mailchimp: mc, constantContact: cc } = stack.sandbox;
    // Ten members of each audience and twenty Constant Contact contacts, half edited, half unsubscribed.
    for (const listId of mc.listIds()) {
      const members = mc
        .members(listId)
        .filter((m) => m.status === 'subscribed')
        .slice(0, 10);
      members.forEach((m, i) =>
        mc.updateMember(
          listId,
          m.email_address,
          i % 2 ? { status: 'unsubscribed' } : { merge_fields: { FNAME: `Synced${i}` } },
        ),
      );
    }
    const contacts = cc
      .contacts()
      .filter((c) => !c.deleted_at)
      .slice(0, 20);
    contacts.forEach((c, i) =>
      i % 2 ? cc.unsubscribe(c.contact_id) : cc.updateContact(c.contact_id, { first_name: `Synced${i}` }),
    );
    // Mailchimp's last_changed has whole seconds, and a sync reads strictly before the second it starts in.
    await sleep(1100);
    const before = hubspotCallsByKind(stack.sandbox.callCounts());
    const sync = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'sync' });
    expect(sync.run.status).toMatch(/^completed/);
    expect(sync.counts.read).toBeGreaterThanOrEqual(40);
    expect(sync.counts.read).toBeLessThan(100);
    const made = callsSince(stack, before);
    expect(made.upsert).toBe(1);
    expect(made.optOutWrite).toBe(1);
  }, 120_000);
});
