/**
 * Consent writes: opt-outs of all email, and the marketing subscription set to SUBSCRIBED. Batch endpoints
 * first; one call per address where the portal refuses them with 403 (Marketing Hub Enterprise only).
 */
import { canonicalEmail } from '../../core/contact.ts';
import type { EmailWriteResult, SubscribeInput } from '../../core/ports.ts';
import { ConfigError } from '../../errors/index.ts';
import { chunked } from '../../lib/chunked.ts';
import { scopeError, type HubSpotRejection } from './errors.ts';
import {
  batchStatusesSchema,
  flatStatusesSchema,
  singleWriteSchema,
  type HubSpotErrorBody,
  type StatusEntry,
} from './schemas.ts';
import {
  batchRefusals,
  CHANNEL_QUERY,
  errorMentions,
  onBatchRefused,
  STATUS_BATCH_SIZE,
  type PreferencesDeps,
} from './subscriptions.ts';

const norm = canonicalEmail;

/** One result per input, in input order (duplicates share the result of their address). */
function inInputOrder<T extends { email: string }>(
  inputs: T[],
  byEmail: Map<string, EmailWriteResult>,
): EmailWriteResult[] {
  return inputs.map((input) => {
    const result = byEmail.get(norm(input.email)) ?? {
      ok: false as const,
      reason: 'HubSpot reported no result for this address',
    };
    return { ...result, email: input.email };
  });
}

/** The first input of each address (case-insensitive). */
function uniqueByEmail<T extends { email: string }>(inputs: T[]): T[] {
  const first = new Map<string, T>();
  for (const input of inputs) if (!first.has(norm(input.email))) first.set(norm(input.email), input);
  return [...first.values()];
}

// ---------- opt-out of all email ----------

export async function unsubscribeAll(deps: PreferencesDeps, emails: string[]): Promise<EmailWriteResult[]> {
  const results = new Map<string, EmailWriteResult>();
  const refused = batchRefusals(deps.cacheKey);
  for (const chunk of chunked([...new Set(emails.map(norm))], STATUS_BATCH_SIZE)) {
    const leftover = refused.optOut ? chunk : await unsubscribeBatch(deps, chunk, results);
    for (const email of leftover) results.set(email, await unsubscribeOne(deps, email));
  }
  return inInputOrder(
    emails.map((email) => ({ email })),
    results,
  );
}

/** Returns the addresses to opt out one by one (all of them after a 403 or a whole-batch 400). */
async function unsubscribeBatch(
  deps: PreferencesDeps,
  chunk: string[],
  results: Map<string, EmailWriteResult>,
): Promise<string[]> {
  const reply = await deps.transport.request({
    endpoint: deps.paths.statusesBatchUnsubscribeAll,
    qs: { ...CHANNEL_QUERY },
    body: { inputs: chunk },
    schema: batchStatusesSchema,
    passThrough: [403],
  });
  if (!reply.ok) {
    onBatchRefused(deps, 'optOut', reply.rejection);
    return chunk;
  }
  const confirmed = new Set(reply.body.results.map((r) => norm(r.subscriberIdString)));
  const errors = reply.body.errors ?? [];
  const leftover: string[] = [];
  for (const email of chunk) {
    const error = errors.find((e) => errorMentions(e, email));
    if (error) {
      results.set(email, { email, ok: false, reason: error.message ?? 'HubSpot refused the opt-out' });
    }
    // Only an answer that names the address proves its opt-out; anything else (an empty body, an address left
    // out) is sent again on its own, which is harmless for an opt-out.
    else if (confirmed.has(email)) results.set(email, { email, ok: true });
    else leftover.push(email);
  }
  return leftover;
}

async function unsubscribeOne(deps: PreferencesDeps, email: string): Promise<EmailWriteResult> {
  const reply = await deps.transport.request({
    endpoint: deps.paths.unsubscribeAllWrite(email),
    qs: { ...CHANNEL_QUERY },
    schema: flatStatusesSchema,
    passThrough: [403],
  });
  if (reply.ok) return { email, ok: true };
  return refusedOne(deps, reply.rejection, email, 'opt addresses out of all email');
}

function refusedOne(
  deps: PreferencesDeps,
  rejection: HubSpotRejection,
  email: string,
  action: string,
): EmailWriteResult {
  if (rejection.status === 403) throw scopeError(rejection, action, deps.paths.scopes.statusWrite);
  return { email, ok: false, reason: `HubSpot refused (${rejection.status}): ${rejection.message}` };
}

// ---------- subscribe ----------

/**
 * Sets the marketing subscription to SUBSCRIBED. This call does not check consent: the caller must have
 * read it (readConsent) and dropped every address HubSpot has opted out or unsubscribed. v4 CAN resubscribe
 * people who opted out (RESUBSCRIBE_OCCURRED), so a missed check here would override someone's choice.
 */
export async function subscribe(
  deps: PreferencesDeps,
  subscriptionId: string,
  inputs: SubscribeInput[],
): Promise<EmailWriteResult[]> {
  const numericId = Number(subscriptionId);
  if (!Number.isSafeInteger(numericId)) {
    throw new ConfigError(
      `HUBSPOT_SUBSCRIPTION_ID "${subscriptionId}" is not a numeric subscription type id.`,
    );
  }
  const results = new Map<string, EmailWriteResult>();
  const refused = batchRefusals(deps.cacheKey);
  for (const chunk of chunked(uniqueByEmail(inputs), STATUS_BATCH_SIZE)) {
    const leftover = refused.subscribe ? chunk : await subscribeBatch(deps, numericId, chunk, results);
    for (const input of leftover) results.set(norm(input.email), await subscribeOne(deps, numericId, input));
  }
  return inInputOrder(inputs, results);
}

function statusWrite(input: SubscribeInput, subscriptionId: number) {
  return {
    channel: 'EMAIL',
    statusState: 'SUBSCRIBED',
    subscriptionId,
    legalBasis: input.legalBasis,
    legalBasisExplanation: input.explanation,
  };
}

async function subscribeBatch(
  deps: PreferencesDeps,
  subscriptionId: number,
  chunk: SubscribeInput[],
  results: Map<string, EmailWriteResult>,
): Promise<SubscribeInput[]> {
  const reply = await deps.transport.request({
    endpoint: deps.paths.statusesBatchWrite,
    body: {
      inputs: chunk.map((input) => ({
        ...statusWrite(input, subscriptionId),
        subscriberIdString: norm(input.email),
      })),
    },
    schema: flatStatusesSchema,
    passThrough: [403],
  });
  if (!reply.ok) {
    // A whole-batch 400 usually means one bad address: one call each finds it.
    if (reply.rejection.status === 403 || reply.rejection.status === 400) {
      onBatchRefused(deps, 'subscribe', reply.rejection);
      return chunk;
    }
    for (const input of chunk) {
      results.set(norm(input.email), refusedOne(deps, reply.rejection, input.email, 'subscribe'));
    }
    return [];
  }
  const resubscribed = reportResubscribes(deps, reply.body.results);
  const written = new Set(
    reply.body.results.flatMap((r) => (r.subscriberIdString ? [norm(r.subscriberIdString)] : [])),
  );
  const errors = reply.body.errors ?? [];
  const leftover: SubscribeInput[] = [];
  for (const input of chunk) {
    const email = norm(input.email);
    const error = errors.find((e) => errorMentions(e, email));
    if (error) results.set(email, { email, ok: false, reason: reasonOf(error) });
    // A subscription counts only when HubSpot's answer names the address; others are written one by one.
    else if (written.has(email)) {
      results.set(email, { email, ok: true, ...resubscribedFlag(resubscribed, email) });
    } else leftover.push(input);
  }
  return leftover;
}

async function subscribeOne(
  deps: PreferencesDeps,
  subscriptionId: number,
  input: SubscribeInput,
): Promise<EmailWriteResult> {
  const email = norm(input.email);
  const reply = await deps.transport.request({
    endpoint: deps.paths.statusWrite(email),
    body: statusWrite(input, subscriptionId),
    schema: singleWriteSchema,
    passThrough: [403],
  });
  if (!reply.ok) return refusedOne(deps, reply.rejection, email, 'subscribe addresses');
  const resubscribed = reportResubscribes(
    deps,
    reply.body.results.map((r) => ({ ...r, subscriberIdString: r.subscriberIdString ?? email })),
  );
  return { email, ok: true, ...resubscribedFlag(resubscribed, email) };
}

const resubscribedFlag = (set: Set<string>, email: string) => (set.has(email) ? { resubscribed: true } : {});

function reasonOf(error: HubSpotErrorBody): string {
  return error.message ?? error.category ?? 'HubSpot refused the subscription';
}

/**
 * The caller's read-then-write under an address lock should make this impossible; if HubSpot says it
 * happened, the caller undoes it at once. Returns the addresses HubSpot resubscribed.
 */
function reportResubscribes(deps: PreferencesDeps, statuses: StatusEntry[]): Set<string> {
  const out = new Set<string>();
  for (const status of statuses) {
    if (status.setStatusSuccessReason === 'RESUBSCRIBE_OCCURRED' && status.subscriberIdString) {
      out.add(norm(status.subscriberIdString));
      deps.logger.error(
        { email: status.subscriberIdString, subscriptionId: status.subscriptionId },
        'CONSENT VIOLATION: HubSpot resubscribed an address that had opted out (RESUBSCRIBE_OCCURRED); opting it out again.',
      );
    }
  }
  return out;
}
