import { describe, expect, it } from '@jest/globals';
import { dryRunSummary, dryRunText } from '../../src/cli/dry-run-summary.ts';
import { planText, type DryRunTotals } from '../../src/run/dry-plan.ts';
import type { RunSnapshot } from '../../src/run/follow.ts';
import { emptyCounts, type RunInfo } from '../../src/run/types.ts';

const run = { id: 'r1', status: 'completed', notices: ['1 subscription(s) held'] } as RunInfo;
const totals: DryRunTotals = {
  calls: {
    setup: 3,
    upsert: 700,
    emailChange: 2,
    optOutWrite: 31,
    statusRead: 228,
    subscribeWrite: 114,
    list: 0,
    import: 0,
  },
  totalCalls: 1078,
  subscribed: 11_360,
  newSubscribed: 9_000,
  lists: [],
  properties: ['esp_mc_plan'],
};

describe('the dry run summary', () => {
  it('turns the calls into the least time at the rate limit and names what decides marketing contacts', () => {
    const snapshot: RunSnapshot = { run, counts: { ...emptyCounts(), created: 16_991 }, breakdown: {} };
    const summary = dryRunSummary(snapshot, totals, 190);
    expect(summary.cost).toMatchObject({ hubspotCalls: 1078, seconds: 57 });
    const text = dryRunText(summary);
    expect(text).toContain('create 16991 contact(s), update 0, leave 0 unchanged');
    expect(text).toContain('Cost: about 1078 HubSpot calls, at least 57s at 190 per 10 s (upserts 700,');
    expect(text).toContain(
      '11360 contact(s) would be subscribed to marketing email, 9000 of them new to the portal',
    );
    expect(text).toContain('manage-marketing-contacts-settings-for-your-integrations');
    expect(text).toContain('create the contact properties esp_mc_plan');
    expect(text).toContain('note: 1 subscription(s) held');
    expect(dryRunText(dryRunSummary(snapshot, { ...totals, totalCalls: 19_000 }, 100))).toContain(
      'at least 31m 40s at 100 per 10 s',
    );
  });

  it.each([
    [undefined, ''],
    [{ action: 'create' as const, changes: [] }, 'create'],
    [
      { action: 'create' as const, changes: [{ property: 'firstname', from: null, to: 'Ann' }] },
      'create with firstname: Ann',
    ],
    [
      {
        action: 'update' as const,
        changes: [
          { property: 'firstname', from: 'Ann', to: 'Anna' },
          { property: 'city', from: null, to: 'Oslo' },
        ],
      },
      'update firstname: Ann → Anna; city: (empty) → Oslo',
    ],
    [{ action: 'update' as const, changes: [] }, 'update (no property changes)'],
  ])('plan %j reads %j', (plan, text) => {
    expect(planText(plan)).toBe(text);
  });
});
