/** Settings of the simulated HubSpot portal; index.ts re-exports the public ones. */

export interface HubSpotSimOptions {
  /** Valid Bearer tokens; anything else gets HubSpot's 401. */
  accessTokens: string[];
  /**
   * The account's tier, which sets the default burst and daily limits of a private app: free and starter 100 per
   * 10 s and 250,000 a day, professional 190 and 625,000, enterprise 190 and 1,000,000 (default).
   * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
   */
  tier?: HubSpotTier;
  /** Rolling 10 s window per token; default from the tier; 0 = off. */
  rateLimitPer10s?: number;
  /** Requests per day across all tokens; default from the tier; 0 = off. */
  dailyLimit?: number;
  /** The account's time zone (IANA name): the daily limit resets at midnight there. Default UTC. */
  timeZone?: string;
  /**
   * How optional fields the worker might read are sent when they have no value: `null` (default) or left out.
   * HubSpot does both; a client must accept either.
   */
  optionalFields?: 'null' | 'omit';
  /**
   * Answers to an upsert by email with failing inputs: `partial` (default) is a 207 with per-input errors;
   * `whole-batch` a 400 for the whole request, which HubSpot's guide warns about ("partial upserts are not
   * supported" with email as the id property).
   * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/upsert-contacts
   */
  upsertByEmailErrors?: 'partial' | 'whole-batch';
  /** CRM search requests per rolling second per portal, default 5; 0 = off. */
  searchRateLimitPerSecond?: number;
  /** Communication-preferences batch endpoints answer 403 like a portal without Marketing Hub Enterprise. */
  batchEndpointsForbidden?: boolean;
  /** Scopes the app lacks, e.g. ['crm.schemas.contacts.write']: routes needing one answer 403 MISSING_SCOPES. */
  missingScopes?: string[];
  /** Email subscription types; default Marketing Information (1001) and One to One (1002). */
  subscriptionTypes?: { id: string; name: string }[];
  /** Data-privacy settings on: subscription writes need legalBasis and legalBasisExplanation. Default false. */
  requireLegalBasis?: boolean;
  /** Max inputs of a communication-preferences batch call (undocumented by HubSpot), default 100. */
  statusBatchMaxInputs?: number;
  /** How long an import stays STARTED/PROCESSING before it is DONE, default 200 ms. */
  importDelayMs?: number;
  /** Rows (header included) and bytes one import file may hold; HubSpot's are 1,048,576 and 512 MB. */
  importMaxRows?: number;
  importMaxBytes?: number;
  /** Clock for timestamps and rate-limit windows (tests move time forward without waiting). */
  clock?: () => number;
}

export type HubSpotTier = 'free' | 'starter' | 'professional' | 'enterprise';

const TIER_LIMITS: Record<HubSpotTier, { per10s: number; daily: number }> = {
  free: { per10s: 100, daily: 250_000 },
  starter: { per10s: 100, daily: 250_000 },
  professional: { per10s: 190, daily: 625_000 },
  enterprise: { per10s: 190, daily: 1_000_000 },
};

export type ResolvedOptions = Required<Omit<HubSpotSimOptions, 'clock'>>;

export const DEFAULT_SUBSCRIPTION_TYPES = [
  { id: '1001', name: 'Marketing Information' },
  { id: '1002', name: 'One to One' },
];

function validTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new Error(`timeZone "${zone}" is not an IANA time zone (e.g. America/New_York)`);
  }
}

export function resolveOptions(options: HubSpotSimOptions): ResolvedOptions {
  const tier = options.tier ?? 'enterprise';
  if (!(tier in TIER_LIMITS)) throw new Error(`tier must be one of ${Object.keys(TIER_LIMITS).join(', ')}`);
  return {
    accessTokens: [...options.accessTokens],
    tier,
    rateLimitPer10s: options.rateLimitPer10s ?? TIER_LIMITS[tier].per10s,
    dailyLimit: options.dailyLimit ?? TIER_LIMITS[tier].daily,
    timeZone: validTimeZone(options.timeZone ?? 'UTC'),
    optionalFields: options.optionalFields ?? 'null',
    upsertByEmailErrors: options.upsertByEmailErrors ?? 'partial',
    searchRateLimitPerSecond: options.searchRateLimitPerSecond ?? 5,
    batchEndpointsForbidden: options.batchEndpointsForbidden ?? false,
    missingScopes: [...(options.missingScopes ?? [])],
    subscriptionTypes: (options.subscriptionTypes ?? DEFAULT_SUBSCRIPTION_TYPES).map((t) => ({ ...t })),
    requireLegalBasis: options.requireLegalBasis ?? false,
    statusBatchMaxInputs: options.statusBatchMaxInputs ?? 100,
    importDelayMs: options.importDelayMs ?? 200,
    importMaxRows: options.importMaxRows ?? 1_048_576,
    importMaxBytes: options.importMaxBytes ?? 512 * 1024 * 1024,
  };
}
