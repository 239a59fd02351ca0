/** Settings of the simulated HubSpot portal; index.ts re-exports the public ones. */

export interface HubSpotSimOptions {
  /** Valid Bearer tokens; anything else gets HubSpot's 401. */
  accessTokens: string[];
  /** Rolling 10 s window per token, default 190 (Professional/Enterprise private app); 0 = off. */
  rateLimitPer10s?: number;
  /** Requests per UTC day across all tokens, default 1,000,000 (Enterprise); 0 = off. */
  dailyLimit?: number;
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
  /** Clock for timestamps and rate-limit windows (tests move time forward without waiting). */
  clock?: () => number;
}

export type ResolvedOptions = Required<Omit<HubSpotSimOptions, 'clock'>>;

export const DEFAULT_SUBSCRIPTION_TYPES = [
  { id: '1001', name: 'Marketing Information' },
  { id: '1002', name: 'One to One' },
];

export function resolveOptions(options: HubSpotSimOptions): ResolvedOptions {
  return {
    accessTokens: [...options.accessTokens],
    rateLimitPer10s: options.rateLimitPer10s ?? 190,
    dailyLimit: options.dailyLimit ?? 1_000_000,
    searchRateLimitPerSecond: options.searchRateLimitPerSecond ?? 5,
    batchEndpointsForbidden: options.batchEndpointsForbidden ?? false,
    missingScopes: [...(options.missingScopes ?? [])],
    subscriptionTypes: (options.subscriptionTypes ?? DEFAULT_SUBSCRIPTION_TYPES).map((t) => ({ ...t })),
    requireLegalBasis: options.requireLegalBasis ?? false,
    statusBatchMaxInputs: options.statusBatchMaxInputs ?? 100,
    importDelayMs: options.importDelayMs ?? 200,
  };
}
