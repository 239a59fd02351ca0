/**
 * A --full run and a retry run move a changed address like a sync does: the HubSpot contact gets the new
 * address instead of a duplicate being created (and the stored old address is not overwritten first).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { openConsentStack, refuseUpsertOf } from './helpers/consent-stack.ts';
import { contactsByEmail } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, sleep } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('address changes in full and retry runs', () => {
  it('moves the contact in a --full migration and in retry-failed, never duplicating it', async () => {
    const c = await openConsentStack(pool, 98);
    const { sandbox, app } = c.stack;
    await c.run({ sources: ['mailchimp', 'constant-contact'] });
    const [first, second] = c.members('subscribed');

    // A --full migration after an address change.
    const movedFirst = `full.${first!.contact_id.slice(0, 8)}@example.net`;
    sandbox.mailchimp.updateMember(c.listId(), first!.email_address, { email_address: movedFirst });
    await sleep(1100);
    await c.run({ sources: ['mailchimp'], ignoreFingerprints: true });
    let contacts = contactsByEmail(sandbox.hubspot.snapshot());
    expect(contacts.get(movedFirst)).toHaveLength(1);
    expect(contacts.get(c.email(first!))).toBeUndefined();

    // An address change whose write HubSpot refused once, then written by retry-failed.
    const movedSecond = `retry.${second!.contact_id.slice(0, 8)}@example.net`;
    sandbox.mailchimp.updateMember(c.listId(), second!.email_address, { email_address: movedSecond });
    const key = `mailchimp:${c.listId()}:${second!.contact_id}`;
    c.hooks.current = refuseUpsertOf(key);
    await sleep(1100);
    const sync = await c.run({ sources: ['mailchimp'], kind: 'sync' });
    expect((await rowsOf(app.store, sync.run.id)).get(key)?.outcome).toBe('failed');
    c.hooks.current = () => ({});
    await c.run({ sources: ['mailchimp'], kind: 'retry', retryOf: sync.run.id, ignoreFingerprints: true });
    contacts = contactsByEmail(sandbox.hubspot.snapshot());
    expect(contacts.get(movedSecond)).toHaveLength(1);
    expect(contacts.get(c.email(second!))).toBeUndefined();
  }, 60_000);
});
