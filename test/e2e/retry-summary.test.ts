/**
 * retry-failed says how many failures it can retry and why the others cannot (invalid data fixed only in the
 * source), instead of a silent "read 0, failed 0".
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { failureSummary, failureSummaryText } from '../../src/run/retryable.ts';
import { openConsentStack, refuseUpsertOf } from './helpers/consent-stack.ts';
import { StackPool, rowsOf } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('failures retry-failed can and cannot retry', () => {
  it('counts refused writes as retryable and invalid source data as not, with the reason', async () => {
    const c = await openConsentStack(pool, 97);
    const [member] = c.members('subscribed');
    const key = `mailchimp:${c.listId()}:${member!.contact_id}`;
    c.hooks.current = refuseUpsertOf(key);
    // Two members whose address only Mailchimp can fix.
    for (const [i, address] of ['not-an-email', 'two@@example.com'].entries()) {
      c.stack.sandbox.mailchimp.addMember(c.listId(), {
        ...member!,
        email_address: address,
        contact_id: `${member!.contact_id.slice(0, -4)}bad${i}`,
        unique_email_id: `${member!.unique_email_id.slice(0, -4)}bad${i}`,
      });
    }
    const run = await c.run({ sources: ['mailchimp', 'constant-contact'] });
    const invalid = [...(await rowsOf(c.stack.app.store, run.run.id)).values()].filter(
      (r) => r.outcome === 'failed' && r.key !== key,
    );
    expect(invalid.length).toBe(2);

    const summary = await failureSummary(c.stack.app.store, run.run.id);
    expect(summary.retryable).toBe(1);
    expect(summary.notRetryable).toBe(invalid.length);
    expect(summary.notRetryableReasons[0]?.reason).toBe('invalid email address');
    expect(failureSummaryText(run.run.id, summary)).toContain(`${invalid.length} cannot be retried`);
  }, 60_000);
});
