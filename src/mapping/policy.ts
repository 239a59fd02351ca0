import type { Config } from '../config/env.ts';
import type { LegalBasis } from '../core/contact.ts';
import type { ListsPolicy } from '../core/lists.ts';

/**
 * The consent policy: the one place where the mapping tables' configurable choices live.
 * The tables themselves (source status → consent intent) are in src/mapping/<source>.ts and read these knobs.
 */
export interface ConsentPolicy {
  /** Legal basis written with SUBSCRIBED for confirmed consent (Mailchimp subscribed, Constant Contact explicit). */
  subscribedLegalBasis: LegalBasis;
  /** Legal basis for Constant Contact implicit permission; NOT_SET means no subscription is written for them. */
  implicitLegalBasis: LegalBasis | 'NOT_SET';
  /** Source lists carried over as HubSpot lists (not consent: opted-out people stay in them); absent = none. */
  lists?: ListsPolicy;
}

export const DEFAULT_POLICY: ConsentPolicy = {
  subscribedLegalBasis: 'CONSENT_WITH_NOTICE',
  implicitLegalBasis: 'LEGITIMATE_INTEREST_OTHER',
};

export function policyFromConfig(
  config: Pick<Config, 'policy'> & Partial<Pick<Config, 'lists'>>,
): ConsentPolicy {
  return { ...config.policy, ...(config.lists ? { lists: config.lists } : {}) };
}
