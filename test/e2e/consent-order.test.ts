/**
 * Consent paths that depend on the order of runs: a run of one audience, a retry of an old snapshot, a record
 * archived while its subscription is held, and a record that carries only an opt-out. Each ends the same as
 * if the runs had come in any other order: nobody is subscribed whose latest record does not ask for it.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { CONSENT_RANK } from '../../src/core/contact.ts';
import { AuthError } from '../../src/errors/index.ts';
import { STALE_REASON } from '../../src/workers/write-batch.ts';
import { openConsentStack, refuseUpsertOf } from './helpers/consent-stack.ts';
import { consentOf, contactsByEmail } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, sleep } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());
const BOTH = ['mailchimp', 'constant-contact'] as const;

describe('consent whatever the order of runs', () => {
  it('"read once" is per audience: a run of one audience holds subscriptions until every audience was read', async () => {
    const c = await openConsentStack(pool, 91, {
      mailchimp: { audiences: 2, membersPerAudience: 40 },
      constantContact: { contacts: 20 },
      overlap: 0,
    });
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed', 0);
    const email = c.email(member!);
    // The same person is pending (no confirmed consent) in the second audience.
    sandbox.mailchimp.addMember(c.listId(1), {
      ...member!,
      status: 'pending',
      contact_id: `${member!.contact_id.slice(0, -4)}beef`,
      unique_email_id: `${member!.unique_email_id.slice(0, -4)}beef`,
    });

    await c.run({ sources: ['constant-contact'] });
    const first = await c.run({ sources: ['mailchimp'], audiences: [c.listId(0)] });
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBeNull();
    const row = (await rowsOf(c.stack.app.store, first.run.id)).get(
      `mailchimp:${c.listId(0)}:${member!.contact_id}`,
    );
    expect(row?.reason).toBe(`subscription held until Mailchimp audience ${c.listId(1)} has been read once`);

    await c.run({ sources: ['mailchimp'], audiences: [c.listId(1)] });
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBeNull();
    expect(sandbox.hubspot.snapshot().history.resubscribeAttempts).toEqual([]);
  }, 60_000);

  it('retry-failed never writes a record older than the latest one seen, nor lowers its consent', async () => {
    const c = await openConsentStack(pool, 92);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const email = c.email(member!);
    const key = `mailchimp:${c.listId()}:${member!.contact_id}`;
    c.hooks.current = refuseUpsertOf(key);
    const first = await c.run({ sources: [...BOTH] });
    expect((await rowsOf(c.stack.app.store, first.run.id)).get(key)?.outcome).toBe('failed');

    // The person's newer record no longer confirms consent; a sync writes it.
    c.hooks.current = () => ({});
    sandbox.mailchimp.updateMember(c.listId(), member!.email_address, { status: 'pending' });
    await sleep(1100);
    await c.run({ sources: ['mailchimp'], kind: 'sync' });

    const retry = await c.run({
      sources: [...BOTH],
      kind: 'retry',
      retryOf: first.run.id,
      ignoreFingerprints: true,
    });
    const row = (await rowsOf(c.stack.app.store, retry.run.id)).get(key);
    expect(row).toMatchObject({ outcome: 'unchanged', reason: STALE_REASON });
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBeNull();
    expect((await c.ledger.strictestConsent([email])).get(email)).toBe(CONSENT_RANK.none);
  }, 60_000);

  it('an archived record withdraws the subscription it had held for a later run', async () => {
    const c = await openConsentStack(pool, 93);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const email = c.email(member!);
    await c.run({ sources: ['mailchimp'] });
    expect([...(await c.ledger.heldFor([email])).keys()]).toEqual([email]);

    sandbox.mailchimp.updateMember(c.listId(), member!.email_address, { status: 'archived' });
    await sleep(1100);
    await c.run({ sources: ['mailchimp'], kind: 'sync' });
    expect((await c.ledger.heldFor([email])).size).toBe(0);

    await c.run({ sources: ['constant-contact'] });
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBeNull();
  }, 60_000);

  it('a record with nothing to write but its opt-out does not take the properties from another record', async () => {
    const c = await openConsentStack(pool, 94);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const email = c.email(member!);
    sandbox.mailchimp.updateMember(c.listId(), member!.email_address, {
      merge_fields: { FNAME: 'Mailchimp-Name' },
    });
    // The same person is deleted and unsubscribed in Constant Contact, changed later than in Mailchimp.
    const template = sandbox.constantContact.contacts()[0]!;
    const now = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    sandbox.constantContact.addContact({
      ...template,
      contact_id: '0d0d0d0d-0000-4000-8000-00000000beef',
      first_name: 'Deleted-Name',
      email_address: {
        address: member!.email_address,
        permission_to_send: 'unsubscribed',
        created_at: template.created_at,
        updated_at: now,
        opt_out_source: 'Contact',
        opt_out_date: now,
        confirm_status: 'off',
      },
      updated_at: now,
      deleted_at: now.slice(0, 10),
    });

    await c.run({ sources: ['constant-contact'] });
    // Mailchimp's last_changed has whole seconds and a run reads below the second it starts in.
    await sleep(1100);
    await c.run({ sources: ['mailchimp'] });
    const after = sandbox.hubspot.snapshot();
    const contacts = contactsByEmail(after).get(email);
    expect(contacts).toHaveLength(1);
    expect(contacts![0]!.properties.firstname).toBe('Mailchimp-Name');
    expect(consentOf(after, email).optedOutOfAll).toBe(true);
  }, 60_000);

  it('held subscriptions leave the ledger only once settled: a run that dies in its subscribe phase loses none', async () => {
    const c = await openConsentStack(pool, 99);
    const { sandbox } = c.stack;
    const [member] = c.members('subscribed');
    const email = c.email(member!);
    await c.run({ sources: ['mailchimp'] });
    expect([...(await c.ledger.heldFor([email])).keys()]).toEqual([email]);

    // The run that releases them fails in its subscribe batches (HubSpot refuses the token mid-run).
    c.hooks.current = () => ({
      readConsent: () => Promise.reject(new AuthError('HubSpot refused the token (simulated)', 'hubspot')),
    });
    const failed = await c.run({ sources: ['constant-contact'] });
    expect(failed.run.status).toBe('failed');
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBeNull();
    expect([...(await c.ledger.heldFor([email])).keys()]).toEqual([email]);

    // The next run of any source writes them.
    c.hooks.current = () => ({});
    await c.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(consentOf(sandbox.hubspot.snapshot(), email).marketing).toBe('SUBSCRIBED');
    expect((await c.ledger.heldFor([email])).size).toBe(0);
  }, 60_000);
});
