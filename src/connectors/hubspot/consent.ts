/**
 * Reads what HubSpot holds about each address: opted out of all email, and the status of the tool's
 * marketing subscription type. Batch endpoints first; one address at a time where the portal refuses them
 * (403: they need Marketing Hub Enterprise) or leaves an address out. Anything unclear (a 404, an unknown
 * status, a refused read) comes back `unknown`, shaped as opted out: unknown never means yes.
 * https://developers.hubspot.com/docs/api-reference/latest/communication-preferences/guide
 */
import { canonicalEmail } from '../../core/contact.ts';
import type { HubSpotConsent, MarketingStatus } from '../../core/ports.ts';
import { chunked } from '../../lib/chunked.ts';
import { scopeError, type HubSpotRejection } from './errors.ts';
import {
  batchStatusesSchema,
  batchWideStatusesSchema,
  flatStatusesSchema,
  flatWideStatusesSchema,
  type StatusEntry,
  type WideStatusEntry,
} from './schemas.ts';
import {
  batchRefusals,
  CHANNEL_QUERY,
  normalizedUnique,
  onBatchRefused,
  STATUS_BATCH_SIZE,
  type PreferencesDeps,
} from './subscriptions.ts';

type Reading<T> = { ok: true; value: T } | { ok: false; why: string };

/** Keys of the map are the addresses trimmed and lowercased. */
export async function readConsent(
  deps: PreferencesDeps,
  subscriptionId: string,
  emails: string[],
): Promise<Map<string, HubSpotConsent>> {
  const out = new Map<string, HubSpotConsent>();
  const refused = batchRefusals(deps.cacheKey);
  for (const chunk of chunked(normalizedUnique(emails), STATUS_BATCH_SIZE)) {
    const leftover = refused.read ? chunk : await readBatch(deps, subscriptionId, chunk, out);
    for (const email of leftover) out.set(email, await readOne(deps, subscriptionId, email));
  }
  return out;
}

/** Fills `out` from the batch endpoints; returns the addresses still to read one by one. */
async function readBatch(
  deps: PreferencesDeps,
  subscriptionId: string,
  chunk: string[],
  out: Map<string, HubSpotConsent>,
): Promise<string[]> {
  const request = { qs: { ...CHANNEL_QUERY }, body: { inputs: chunk }, passThrough: [403] };
  const statuses = await deps.transport.request({
    ...request,
    endpoint: deps.paths.statusesBatchRead,
    schema: batchStatusesSchema,
  });
  if (!statuses.ok) return batchRefused(deps, statuses.rejection, chunk);
  const wide = await deps.transport.request({
    ...request,
    endpoint: deps.paths.statusesBatchUnsubscribeAllRead,
    schema: batchWideStatusesSchema,
  });
  if (!wide.ok) return batchRefused(deps, wide.rejection, chunk);

  const statusesOf = new Map(
    statuses.body.results.map((r) => [canonicalEmail(r.subscriberIdString), r.statuses]),
  );
  const wideOf = new Map(
    wide.body.results.map((r) => [canonicalEmail(r.subscriberIdString), r.wideStatuses]),
  );
  const leftover: string[] = [];
  for (const email of chunk) {
    const own = statusesOf.get(email);
    const portalWide = wideOf.get(email);
    if (own && portalWide) {
      out.set(email, decide(deps, email, marketingOf(own, subscriptionId), optedOutOf(portalWide)));
    } else leftover.push(email);
  }
  return leftover;
}

function batchRefused(deps: PreferencesDeps, rejection: HubSpotRejection, chunk: string[]): string[] {
  onBatchRefused(deps, 'read', rejection);
  return chunk;
}

async function readOne(
  deps: PreferencesDeps,
  subscriptionId: string,
  email: string,
): Promise<HubSpotConsent> {
  const base = { qs: { ...CHANNEL_QUERY }, passThrough: [403] };
  const statuses = await deps.transport.request({
    ...base,
    endpoint: deps.paths.statusRead(email),
    schema: flatStatusesSchema,
  });
  const marketing: Reading<MarketingStatus> = statuses.ok
    ? marketingOf(statuses.body.results, subscriptionId)
    : unclear<MarketingStatus>(deps, statuses.rejection);
  const wide = await deps.transport.request({
    ...base,
    endpoint: deps.paths.unsubscribeAllRead(email),
    schema: flatWideStatusesSchema,
  });
  const optedOut: Reading<boolean> = wide.ok
    ? optedOutOf(wide.body.results)
    : unclear<boolean>(deps, wide.rejection);
  const absent =
    !statuses.ok && statuses.rejection.status === 404 && !wide.ok && wide.rejection.status === 404;
  return { ...decide(deps, email, marketing, optedOut), ...(absent ? { absent } : {}) };
}

/** 403: no scope (stops the run). 404 (HubSpot does not know the address) and anything else: unclear. */
function unclear<T>(deps: PreferencesDeps, rejection: HubSpotRejection): Reading<T> {
  if (rejection.status === 403) {
    throw scopeError(rejection, 'read subscription statuses', deps.paths.scopes.statusRead);
  }
  if (rejection.status === 404) return { ok: false, why: 'HubSpot does not know this address (404)' };
  return { ok: false, why: `HubSpot answered ${rejection.status}: ${rejection.message}` };
}

const MARKETING_BY_STATUS: Record<string, MarketingStatus> = {
  SUBSCRIBED: 'SUBSCRIBED',
  UNSUBSCRIBED: 'NOT_SUBSCRIBED',
  NOT_SUBSCRIBED: 'NOT_SUBSCRIBED',
  NOT_SPECIFIED: 'NOT_SPECIFIED',
};
const RESTRICTIVENESS: Record<MarketingStatus, number> = {
  SUBSCRIBED: 0,
  NOT_SPECIFIED: 1,
  NOT_SUBSCRIBED: 2,
};

/** The tool's subscription type; with several entries (brands), the most restrictive one. */
function marketingOf(statuses: StatusEntry[], subscriptionId: string): Reading<MarketingStatus> {
  let result: MarketingStatus = 'NOT_SPECIFIED';
  let seen = false;
  for (const entry of statuses) {
    if (entry.subscriptionId !== subscriptionId || (entry.channel && entry.channel !== 'EMAIL')) continue;
    const status = MARKETING_BY_STATUS[entry.status ?? ''];
    if (!status) return { ok: false, why: `unknown subscription status "${entry.status ?? '(none)'}"` };
    result = !seen || RESTRICTIVENESS[status] > RESTRICTIVENESS[result] ? status : result;
    seen = true;
  }
  return { ok: true, value: result };
}

/** Empty = not opted out. Any UNSUBSCRIBED wide status (portal or brand) counts as opted out. */
function optedOutOf(wideStatuses: WideStatusEntry[]): Reading<boolean> {
  let optedOut = false;
  for (const entry of wideStatuses) {
    if (entry.status === 'UNSUBSCRIBED') optedOut = true;
    else if (entry.status !== 'SUBSCRIBED' && entry.status !== 'NOT_SPECIFIED') {
      return { ok: false, why: `unknown unsubscribe-all status "${entry.status ?? '(none)'}"` };
    }
  }
  return { ok: true, value: optedOut };
}

function decide(
  deps: PreferencesDeps,
  email: string,
  marketing: Reading<MarketingStatus>,
  optedOut: Reading<boolean>,
): HubSpotConsent {
  if (marketing.ok && optedOut.ok) {
    return { email, optedOutOfAll: optedOut.value, marketing: marketing.value };
  }
  const why = [marketing, optedOut]
    .map((r) => (r.ok ? undefined : r.why))
    .filter(Boolean)
    .join('; ');
  deps.logger.warn({ email, why }, 'HubSpot consent answer is unclear; nothing is subscribed on it');
  return { email, optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED', unknown: why };
}
