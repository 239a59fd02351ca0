/** Reading the sandbox portal's snapshot the way the tests compare it: per email, in plain values. */
import type { HubSpotSnapshot } from '../../../src/sandbox/hubspot/index.ts';
import type { CallCounts, Sandbox } from '../../../src/sandbox/index.ts';

export const MARKETING = '1001';

export interface Consent {
  optedOutOfAll: boolean;
  marketing: string | null;
}

/** Consent per lowercased email, for every address HubSpot holds a status for. */
export function consentByEmail(snapshot: HubSpotSnapshot): Map<string, Consent> {
  const out = new Map<string, Consent>();
  for (const [email, s] of Object.entries(snapshot.statuses)) {
    out.set(email, { optedOutOfAll: s.optedOutOfAll, marketing: s.subscriptions[MARKETING]?.status ?? null });
  }
  return out;
}

export function consentOf(snapshot: HubSpotSnapshot, email: string): Consent {
  const s = snapshot.statuses[email];
  return {
    optedOutOfAll: s?.optedOutOfAll ?? false,
    marketing: s?.subscriptions[MARKETING]?.status ?? null,
  };
}

/** Contacts grouped by lowercased email (a duplicate shows as a list longer than one). */
export function contactsByEmail(snapshot: HubSpotSnapshot): Map<string, HubSpotSnapshot['contacts']> {
  const out = new Map<string, HubSpotSnapshot['contacts']>();
  for (const c of snapshot.contacts) {
    const email = (c.email ?? '').toLowerCase();
    out.set(email, [...(out.get(email) ?? []), c]);
  }
  return out;
}

// Set by HubSpot itself (ids, timestamps, computed flags), so they differ between two portals.
const VOLATILE = /^(hs_|createdate$|lastmodifieddate$)/;

/** Per email, the properties a sync wrote, as a stable string (for comparing two portals). */
export function propertiesByEmail(snapshot: HubSpotSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of snapshot.contacts) {
    const props = Object.entries(c.properties)
      .filter(([name]) => !VOLATILE.test(name))
      .sort(([a], [b]) => a.localeCompare(b));
    out.set((c.email ?? '').toLowerCase(), JSON.stringify(props));
  }
  return out;
}

/** Calls to HubSpot routes whose pattern matches, summed. */
export function hubspotCalls(counts: CallCounts, route: RegExp): number {
  return Object.entries(counts.hubspot.routes)
    .filter(([name]) => route.test(name))
    .reduce((sum, [, r]) => sum + r.calls, 0);
}

export const WRITE_ROUTES = {
  upsert: /^POST .*\/contacts\/batch\/upsert$/,
  statusWrite: /^POST .*\/statuses\/batch\/write$/,
  // Writes only: the batch read of opt-outs is POST …/unsubscribe-all/read.
  unsubscribeAll: /^POST .*unsubscribe-all$/,
};

/**
 * What a HubSpot user can do in the portal: subscribe someone again, which takes back their opt-out (v4), as
 * a test's way to make HubSpot disagree with the sources.
 */
export async function resubscribeInHubSpot(sandbox: Sandbox, email: string): Promise<void> {
  const response = await fetch(
    `${sandbox.url}/communication-preferences/v4/statuses/${encodeURIComponent(email)}`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sandbox.env.HUBSPOT_ACCESS_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        subscriptionId: Number(MARKETING),
        statusState: 'SUBSCRIBED',
        channel: 'EMAIL',
      }),
    },
  );
  if (response.status !== 200) throw new Error(`The sandbox refused the resubscribe: ${response.status}`);
}
