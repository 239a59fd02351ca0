import { formatDuration } from '../lib/time.ts';
import type { DryRunTotals } from '../run/dry-plan.ts';
import type { RunSnapshot } from '../run/follow.ts';

/** Where HubSpot decides whether contacts this tool creates count as (billed) marketing contacts. */
export const MARKETING_SETTING_URL =
  'https://knowledge.hubspot.com/integrations/manage-marketing-contacts-settings-for-your-integrations';

export interface DryRunSummary {
  runId: string;
  dryRun: true;
  status: string;
  /** What the real run would do, in the run's own counts (created, updated, opted out, …). */
  counts: RunSnapshot['counts'];
  plan: {
    listsToCreate: string[];
    propertiesToCreate: string[];
    /** Subscriptions the real run would write, and how many go to contacts it would create. */
    subscriptions: number;
    newMarketingContacts: number;
  };
  cost: {
    hubspotCalls: number;
    byKind: DryRunTotals['calls'];
    /** At HUBSPOT_RATE_LIMIT requests per 10 s: the least time the calls take. */
    ratePer10s: number;
    seconds: number;
  };
  notices: string[];
}

export function dryRunSummary(s: RunSnapshot, totals: DryRunTotals, ratePer10s: number): DryRunSummary {
  return {
    runId: s.run.id,
    dryRun: true,
    status: s.run.status,
    counts: s.counts,
    plan: {
      listsToCreate: totals.lists,
      propertiesToCreate: totals.properties,
      subscriptions: totals.subscribed,
      newMarketingContacts: totals.newSubscribed,
    },
    cost: {
      hubspotCalls: totals.totalCalls,
      byKind: totals.calls,
      ratePer10s,
      seconds: Math.ceil((totals.totalCalls / ratePer10s) * 10),
    },
    notices: s.run.notices,
  };
}

const list = (names: string[]) =>
  names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;

export function dryRunText(d: DryRunSummary): string {
  const c = d.counts;
  const lines = [
    `Dry run ${d.runId}: ${d.status}. Nothing was written to HubSpot; a real run would:`,
    `  create ${c.created} contact(s), update ${c.updated}, leave ${c.unchanged} unchanged`,
    `  opt out ${c.optedOut}, keep ${c.keptOptedOut} opted out, subscribe ${c.subscribed}`,
    `  skip ${c.skipped} record(s) and fail ${c.failed} (see why: esp-sync report ${d.runId})`,
  ];
  if (d.plan.propertiesToCreate.length > 0) {
    lines.push(`  create the contact properties ${list(d.plan.propertiesToCreate)}`);
  }
  if (d.plan.listsToCreate.length > 0) lines.push(`  create the lists ${list(d.plan.listsToCreate)}`);
  const k = d.cost.byKind;
  lines.push(
    `Cost: about ${d.cost.hubspotCalls} HubSpot calls, at least ${formatDuration(d.cost.seconds)} at ${d.cost.ratePer10s} per 10 s ` +
      `(upserts ${k.upsert}, opt-out writes ${k.optOutWrite}, status reads ${k.statusRead}, ` +
      `subscription writes ${k.subscribeWrite}, email changes ${k.emailChange}, lists ${k.list}, imports ${k.import}, setup ${k.setup}).`,
    `Marketing contacts: ${d.plan.subscriptions} contact(s) would be subscribed to marketing email, ` +
      `${d.plan.newMarketingContacts} of them new to the portal. HubSpot bills marketing contacts; whether contacts ` +
      `this tool creates become marketing contacts is decided by the app's "Marketing contacts" setting ` +
      `(${MARKETING_SETTING_URL}).`,
  );
  for (const notice of d.notices) lines.push(`  note: ${notice}`);
  lines.push(`Per record (what would change, old → new): esp-sync report ${d.runId}`);
  return lines.join('\n');
}
