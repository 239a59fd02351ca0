/**
 * Consent paths that need two things to happen in a particular order: an opt-out in HubSpot before an address
 * change, a refused opt-out followed by a run of another source, an opt-out landing between the subscribe
 * phase's read and its write, and a status HubSpot cannot answer. Each runs the real worker against the
 * sandbox on real Redis; the hooks only decide when HubSpot changes its mind or refuses.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ledgerKeys } from '../../src/ledger/keys.ts';
import { collectMetrics } from '../../src/monitoring/collect.ts';
import { openConsentStack } from './helpers/consent-stack.ts';
import { consentOf, contactsByEmail } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, sleep } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());
const BOTH = ['mailchimp', 'constant-contact'] as const;
const OPTED_OUT = { optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED' };

describe('consent across address changes, refusals and races', () => {
  it('an address change carries a HubSpot opt-out of the old address to the new one', async () => {
    const c = await openConsentStack(pool, 81);
    const { sandbox } = c.stack;
    await c.run({ sources: [...BOTH] });
    const [member] = c.members('subscribed');
    const old = c.email(member!);
    expect(consentOf(sandbox.hubspot.snapshot(), old).marketing).toBe('SUBSCRIBED');

    // The person opts out in HubSpot after the migration; Mailchimp still says subscribed. Then the address changes.
    sandbox.hubspot.seedContacts([{ email: old, optedOutOfAll: true }]);
    const moved = `moved.${member!.contact_id.slice(0, 8)}@example.net`;
    sandbox.mailchimp.updateMember(c.listId(), member!.email_address, { email_address: moved });
    await sleep(1100);
    const sync = await c.run({ sources: ['mailchimp'], kind: 'sync' });

    const after = sandbox.hubspot.snapshot();
    expect(consentOf(after, moved)).toEqual(OPTED_OUT);
    expect(contactsByEmail(after).get(moved)).toHaveLength(1);
    expect(contactsByEmail(after).get(old)).toBeUndefined();
    expect(after.history.resubscribeAttempts).toEqual([]);
    const row = (await rowsOf(c.stack.app.store, sync.run.id)).get(
      `mailchimp:${c.listId()}:${member!.contact_id}`,
    );
    expect(row).toMatchObject({ email: moved, consent: 'optedOut' });
    expect(row?.reason).toContain(`address changed from ${old}, which was opted out of all email in HubSpot`);
    expect(sync.counts.subscribed).toBe(0);
  }, 60_000);

  it('an opt-out HubSpot refused stays pending, without expiry, until a run of any source gets it confirmed', async () => {
    const c = await openConsentStack(pool, 82);
    const { sandbox } = c.stack;
    const [member] = c.members('unsubscribed');
    const target = c.email(member!);
    c.hooks.current = (real) => ({
      unsubscribeAll: async (emails: string[]) => [
        ...(await real.unsubscribeAll(emails.filter((e) => e !== target))),
        ...(emails.includes(target)
          ? [{ email: target, ok: false as const, reason: 'HubSpot refused (500): simulated' }]
          : []),
      ],
    });
    const first = await c.run({ sources: [...BOTH] });
    expect(first.run.status).toBe('completed_with_errors');
    expect(consentOf(sandbox.hubspot.snapshot(), target).optedOutOfAll).toBe(false);
    const summary = await c.ledger.pendingOptOutSummary();
    expect(summary.count).toBe(1);
    expect((await c.ledger.pendingOptOutsFor([target])).get(target)).toMatchObject({
      email: target,
      runId: first.run.id,
      lastError: 'HubSpot refused (500): simulated',
    });
    expect(await c.stack.app.redis.ttl(ledgerKeys(c.stack.config.queuePrefix).pendingOptOuts)).toBe(-1);
    const metrics = await collectMetrics({ ...c.stack.app, prefix: c.stack.config.queuePrefix });
    expect(metrics.find((f) => f.name === 'esp_sync_opt_outs_pending')?.samples).toEqual([{ value: 1 }]);

    // The next run reads only Constant Contact: the Mailchimp opt-out is still sent, and confirmed.
    c.hooks.current = () => ({});
    const second = await c.run({ sources: ['constant-contact'], kind: 'sync' });
    expect(consentOf(sandbox.hubspot.snapshot(), target)).toEqual(OPTED_OUT);
    expect((await c.ledger.pendingOptOutSummary()).count).toBe(0);
    expect(second.breakdown.pendingOptOutsConfirmed).toBe(1);
  }, 60_000);

  it('a write HubSpot answers with RESUBSCRIBE_OCCURRED is undone at once, fails the row and raises an alert', async () => {
    const c = await openConsentStack(pool, 83);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const target = c.email(member!);
    // The person opts out in HubSpot between the subscribe phase's read and its write.
    c.hooks.current = (real) => ({
      readConsent: async (emails: string[]) => {
        const read = await real.readConsent(emails);
        if (emails.includes(target)) sandbox.hubspot.seedContacts([{ email: target, optedOutOfAll: true }]);
        return read;
      },
    });
    const run = await c.run({ sources: [...BOTH] });
    const after = sandbox.hubspot.snapshot();
    expect(after.history.resubscribeAttempts.map((a) => a.email)).toEqual([target]);
    expect(consentOf(after, target)).toEqual(OPTED_OUT);
    const row = (await rowsOf(c.stack.app.store, run.run.id)).get(
      `mailchimp:${c.listId()}:${member!.contact_id}`,
    );
    expect(row).toMatchObject({ outcome: 'failed', consent: null });
    expect(row?.reason).toContain('RESUBSCRIBE_OCCURRED');
    expect(c.errors.some((m) => m.includes('HubSpot resubscribed 1 address(es)'))).toBe(true);
    expect((await c.ledger.strictestConsent([target])).get(target)).toBe(2);
  }, 60_000);

  it('a status HubSpot cannot answer never subscribes: the candidate waits and the next run writes it', async () => {
    const c = await openConsentStack(pool, 84);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const target = c.email(member!);
    c.hooks.current = (real) => ({
      readConsent: async (emails: string[]) => {
        const read = await real.readConsent(emails);
        if (read.has(target)) {
          read.set(target, {
            email: target,
            optedOutOfAll: true,
            marketing: 'NOT_SUBSCRIBED',
            unknown: 'HubSpot answered 500',
          });
        }
        return read;
      },
    });
    const first = await c.run({ sources: [...BOTH] });
    const key = `mailchimp:${c.listId()}:${member!.contact_id}`;
    expect(consentOf(sandbox.hubspot.snapshot(), target).marketing).toBeNull();
    const row = (await rowsOf(c.stack.app.store, first.run.id)).get(key);
    expect(row?.consent).toBeNull();
    expect(row?.reason).toContain("subscription waits: HubSpot's status of this address could not be read");
    expect([...(await c.ledger.heldFor([target])).keys()]).toEqual([target]);

    c.hooks.current = () => ({});
    await c.run({ sources: ['constant-contact'], kind: 'sync' });
    expect(consentOf(sandbox.hubspot.snapshot(), target).marketing).toBe('SUBSCRIBED');
    expect((await rowsOf(c.stack.app.store, first.run.id)).get(key)?.consent).toBe('subscribed');
    expect((await c.ledger.heldFor([target])).size).toBe(0);
  }, 60_000);
});
