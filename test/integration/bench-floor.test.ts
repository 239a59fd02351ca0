/**
 * The benchmark's call floor (bench/lib/calls.ts) stays honest: every HubSpot call a migration makes falls into
 * a known kind, and no kind is ever made fewer times than its floor, or the floor would not be a floor.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CALL_KINDS, floorOf, hubspotCallsByKind, kindOf, runOutcome, sum } from '../../bench/lib/calls.ts';
import { StackPool } from '../e2e/helpers/stack.ts';

const pool = new StackPool();
afterEach(() => pool.closeAll());

describe('the benchmark’s HubSpot call floor', () => {
  it('classifies every call of a migration and never exceeds what the run made', async () => {
    const stack = await pool.open({
      sandbox: {
        seed: 5,
        limits: false,
        dataset: {
          mailchimp: { audiences: 2, membersPerAudience: 150 },
          constantContact: { contacts: 300 },
          hubspotPreexisting: { contacts: 40, optedOutShare: 0.5 },
        },
      },
    });
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
    const counts = stack.sandbox.callCounts();
    const made = hubspotCallsByKind(counts);
    const outcome = await runOutcome(stack.app.store, done.run.id, done.run.subscribe.total);
    const floor = floorOf(outcome, made);

    expect(Object.keys(counts.hubspot.routes).filter((route) => kindOf(route) === 'other')).toEqual([]);
    expect(sum(made)).toBe(counts.hubspot.calls);
    expect(outcome.contactsWritten).toBeGreaterThan(400);
    expect(outcome.optOuts).toBeGreaterThan(50);
    expect(outcome.subscriptionCandidates).toBeGreaterThan(200);
    for (const kind of CALL_KINDS) expect([kind, made[kind] >= floor[kind]]).toEqual([kind, true]);
  });
});
