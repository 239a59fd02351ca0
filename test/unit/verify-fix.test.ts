/** verify --fix: opt-outs first under the address locks, refused ones kept pending, a migration only for the rest. */
import { describe, expect, it } from '@jest/globals';
import type { PendingOptOut } from '../../src/core/consent.ts';
import type { EmailWriteResult } from '../../src/core/ports.ts';
import type { Difference } from '../../src/verify/compare.ts';
import { FIX_MARK, fixDifferences, isFixable, type FixDeps } from '../../src/verify/fix.ts';

const diff = (kind: Difference['kind'], email: string): Difference => ({
  kind,
  email,
  keys: [`mailchimp:a:${email}`],
  detail: '',
});

function fakes(refuse: Set<string>) {
  const events: string[] = [];
  const pending: Omit<PendingOptOut, 'since'>[] = [];
  const deps: FixDeps = {
    locks: {
      withLocks: async <T>(emails: string[], work: () => Promise<T>) => {
        events.push(`lock ${emails.join(',')}`);
        const out = await work();
        events.push('unlock');
        return out;
      },
    },
    hubspot: {
      unsubscribeAll: (emails: string[]) => {
        events.push(`unsubscribeAll ${emails.join(',')}`);
        return Promise.resolve(
          emails.map((email): EmailWriteResult =>
            refuse.has(email) ? { email, ok: false, reason: 'HubSpot said no' } : { email, ok: true },
          ),
        );
      },
    },
    ledger: {
      confirmOptOuts: (emails: string[]) => {
        events.push(`confirm ${emails.join(',')}`);
        return Promise.resolve();
      },
      addPendingOptOuts: (entries: Omit<PendingOptOut, 'since'>[]) => {
        pending.push(...entries);
        return Promise.resolve();
      },
    },
    migrate: (sources, audiences) => {
      events.push(`migrate ${sources.join('+')} ${audiences.join(',')}`);
      return Promise.resolve({ runId: 'run-1', status: 'completed' });
    },
  };
  return { deps, events, pending };
}

const scope = { sources: ['mailchimp' as const], audiences: ['a'] };

describe('verify --fix', () => {
  it('writes missing opt-outs inside the locks of their addresses, before any migration', async () => {
    const { deps, events } = fakes(new Set());
    const result = await fixDifferences(
      deps,
      [diff('missingContact', 'c@x.io'), diff('optOutMissing', 'a@x.io'), diff('optOutMissing', 'b@x.io')],
      scope,
    );
    expect(events).toEqual([
      'lock a@x.io,b@x.io',
      'unsubscribeAll a@x.io,b@x.io',
      'confirm a@x.io,b@x.io',
      'unlock',
      'migrate mailchimp a',
    ]);
    expect(result).toEqual({
      optOutsWritten: ['a@x.io', 'b@x.io'],
      optOutsFailed: [],
      run: { runId: 'run-1', status: 'completed' },
    });
  });

  it('keeps an opt-out HubSpot refuses pending in the ledger, with its records and the reason', async () => {
    const { deps, pending } = fakes(new Set(['b@x.io']));
    const result = await fixDifferences(
      deps,
      [diff('optOutMissing', 'a@x.io'), diff('optOutMissing', 'b@x.io')],
      scope,
    );
    expect(result.optOutsFailed).toEqual([{ email: 'b@x.io', reason: 'HubSpot said no' }]);
    expect(pending).toEqual([
      { email: 'b@x.io', keys: ['mailchimp:a:b@x.io'], runId: FIX_MARK, lastError: 'HubSpot said no' },
    ]);
  });

  it('starts no migration and writes nothing for subscriptions without consent', async () => {
    const { deps, events } = fakes(new Set());
    const differences = [diff('subscribedWithoutConsent', 'a@x.io')];
    expect(isFixable(differences)).toBe(false);
    const result = await fixDifferences(deps, differences, scope);
    expect(events).toEqual([]);
    expect(result.run).toBeNull();
  });

  it('writes the opt-out of a person whose consent HubSpot answered unreadably (an opt-out is always safe)', async () => {
    const { deps, events } = fakes(new Set());
    const differences = [diff('consentUnreadable', 'a@x.io')];
    expect(isFixable(differences)).toBe(true);
    await fixDifferences(deps, differences, scope);
    expect(events).toEqual(['lock a@x.io', 'unsubscribeAll a@x.io', 'confirm a@x.io', 'unlock']);
  });
});
