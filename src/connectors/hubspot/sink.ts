/**
 * The HubSpot sink: HubSpotPort (src/core/ports.ts) over `@hubspot/api-client`, with one shared rate limit
 * across every worker process and one retry layer (src/http/retry.ts).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HubSpotConfig } from '../../config/env.ts';
import type { PropertyDefinition } from '../../core/contact.ts';
import type {
  ApiCallObserver,
  ContactWrite,
  EmailChange,
  HubSpotPort,
  HubSpotReadPort,
  ImportStart,
  SubscribeInput,
} from '../../core/ports.ts';
import type { RetryOptions } from '../../http/retry.ts';
import { SharedRateLimiter } from '../../lib/redis-limits.ts';
import { createHubSpotTransport, hubSpotClient, type HubSpotLimiter } from './client.ts';
import { readConsent } from './consent.ts';
import { upsertContacts } from './contacts.ts';
import { readContactsByEmail } from './contacts-read.ts';
import { changeEmails } from './email-changes.ts';
import { findImport, importErrors, readImport, startImport } from './imports.ts';
import { changeListMembers, ensureList, findListByName, readList } from './lists.ts';
import { ensureProperties, missingProperties } from './properties.ts';
import { subscribe, unsubscribeAll } from './status-writes.ts';
import { batchRefusals, SubscriptionTypeResolver, type PreferencesDeps } from './subscriptions.ts';
import { DEFAULT_HUBSPOT_VERSIONS, hubspotPaths, type HubSpotApiVersions } from './versions.ts';

/** Ten seconds: HubSpot's burst window (X-HubSpot-RateLimit-Interval-Milliseconds). */
export const HUBSPOT_WINDOW_MS = 10_000;

export interface HubSpotSinkDeps {
  redis: Redis;
  /** Prefix of every Redis key the sink uses (the queue prefix). */
  keyPrefix: string;
  timeoutMs: number;
  logger: Logger;
  observe?: ApiCallObserver;
  retry?: RetryOptions;
  /** Default: a SharedRateLimiter over Redis at `${keyPrefix}:limits:hubspot`, config.rateLimitPer10s per 10 s. */
  limiter?: HubSpotLimiter;
  /** Path version per endpoint family; default DEFAULT_HUBSPOT_VERSIONS. */
  versions?: Partial<HubSpotApiVersions>;
}

export type HubSpotSink = HubSpotPort & HubSpotReadPort;

/**
 * A request holds its place in our window from the moment we let it go until a window after HubSpot answered
 * it, so our window covers HubSpot's whatever the delay between the two (HubSpot counts a request when it
 * arrives). The 1% kept below the burst limit is for calls made around the limiter (`esp-sync doctor`).
 */
export function budgetPer10s(rateLimitPer10s: number): number {
  if (rateLimitPer10s < 50) return rateLimitPer10s;
  return rateLimitPer10s - Math.max(1, Math.ceil(rateLimitPer10s * 0.01));
}

/**
 * An unanswered request's place is held this long after it went (then a window more): HubSpot has counted it
 * long before, and a worker that dies mid-call does not keep a place for ever.
 */
const UNANSWERED_HOLD_MS = HUBSPOT_WINDOW_MS;

/** How long a budget HubSpot announced holds in Redis without being announced again. */
const LEARNED_BUDGET_TTL_MS = 60 * 60_000;
/** After a TEN_SECONDLY_ROLLING 429 every worker spends this share of the budget, for this long. */
const LOWERED_SHARE = 0.8;
const LOWERED_BUDGET_TTL_MS = 10 * 60_000;

/**
 * The shared limiter over Redis. HUBSPOT_RATE_LIMIT (minus the headroom) is the upper cap; the limit HubSpot
 * announces in X-HubSpot-RateLimit-Max per -Interval-Milliseconds (100 for Free and Starter apps, 190 above)
 * sets the budget every worker shares, and a TEN_SECONDLY_ROLLING 429 lowers it for a while.
 * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
function sharedHubSpotLimiter(config: HubSpotConfig, deps: HubSpotSinkDeps): HubSpotLimiter {
  const cap = budgetPer10s(config.rateLimitPer10s);
  const shared = new SharedRateLimiter(
    deps.redis,
    `${deps.keyPrefix}:limits:hubspot`,
    cap,
    HUBSPOT_WINDOW_MS,
  );
  return {
    acquire: () => shared.acquire(),
    admit: () => shared.admit(UNANSWERED_HOLD_MS),
    slowDown: (factor, forMs) => shared.slowDown(factor, forMs),
    learn: async (max, intervalMs) => {
      const announced = budgetPer10s(Math.floor((max * HUBSPOT_WINDOW_MS) / intervalMs));
      await shared.learnBudget(Math.min(cap, announced), LEARNED_BUDGET_TTL_MS);
    },
    lower: async () => {
      const budget = await shared.lowerBudget(LOWERED_SHARE, LOWERED_BUDGET_TTL_MS);
      deps.logger.warn(
        { budget },
        `HubSpot answered a ten-secondly 429: every worker now sends at most ${budget} requests per 10 s for ` +
          `${LOWERED_BUDGET_TTL_MS / 60_000} min`,
      );
    },
  };
}

export function createHubSpotSink(config: HubSpotConfig, deps: HubSpotSinkDeps): HubSpotSink {
  const limiter = deps.limiter ?? sharedHubSpotLimiter(config, deps);
  const paths = hubspotPaths({ ...DEFAULT_HUBSPOT_VERSIONS, ...deps.versions });
  const transport = createHubSpotTransport(hubSpotClient(config), {
    limiter,
    dailyUsage: paths.dailyUsage,
    timeoutMs: deps.timeoutMs,
    logger: deps.logger,
    observe: deps.observe,
    retry: deps.retry,
  });
  // Names the account in per-process caches without keeping the token itself around as a key.
  const cacheKey = createHash('sha256').update(`${config.baseUrl}\u0000${config.accessToken}`).digest('hex');
  const preferences: PreferencesDeps = {
    transport,
    paths,
    logger: deps.logger,
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    config,
    cacheKey,
  };
  const subscriptionType = new SubscriptionTypeResolver(preferences);

  return {
    ensureProperties: (definitions: PropertyDefinition[]) =>
      ensureProperties({ transport, paths, cacheKey, groupName: config.propertyGroup }, definitions),
    upsertContacts: (inputs: ContactWrite[]) =>
      upsertContacts({ transport, paths, logger: deps.logger }, inputs),
    changeEmails: (changes: EmailChange[]) => changeEmails({ transport, paths }, changes),
    readConsent: async (emails: string[]) =>
      readConsent(preferences, await subscriptionType.subscriptionId(), emails),
    unsubscribeAll: (emails: string[]) => unsubscribeAll(preferences, emails),
    subscribe: async (inputs: SubscribeInput[]) =>
      subscribe(preferences, await subscriptionType.subscriptionId(), inputs),
    subscriptionId: () => subscriptionType.subscriptionId(),
    missingProperties: (definitions: PropertyDefinition[]) =>
      missingProperties({ transport, paths, cacheKey, groupName: config.propertyGroup }, definitions),
    readContacts: (emails: string[], properties: string[]) =>
      readContactsByEmail({ transport, paths }, emails, properties),
    get usingOptOutFallback() {
      return batchRefusals(cacheKey).optOut;
    },
    lists: {
      ensureList: (name: string) => ensureList({ transport }, name),
      findList: (name: string) => findListByName({ transport }, name),
      readList: (listId: string) => readList({ transport }, listId),
      changeMembers: (listId: string, change: 'add' | 'remove', recordIds: string[]) =>
        changeListMembers({ transport }, listId, change, recordIds),
      contactIds: async (emails: string[]) => {
        const found = await readContactsByEmail({ transport, paths }, emails, []);
        return new Map([...found].map(([email, contact]) => [email, contact.hubspotId]));
      },
    },
    imports: {
      startImport: (input: ImportStart) => startImport({ transport }, input),
      findImport: (name: string) => findImport({ transport }, name),
      readImport: (importId: string) => readImport({ transport }, importId),
      importErrors: (importId: string, after?: string) => importErrors({ transport }, importId, after),
    },
  };
}
