/**
 * Subscription statuses keyed by lowercased email (an address need not be a contact, as in v1), shared by the
 * v3 and v4/2026-09 communication-preferences routes. Every change and every attempt to resubscribe someone
 * who opted out is recorded for the snapshot.
 */
import type { SimContext } from './context.ts';
import { iso, validationError } from './http.ts';
import type { SandboxResponse } from '../kit.ts';
import type { StatusApi, SubscriptionState } from './state.ts';

export const LEGAL_BASES = new Set([
  'CONSENT_WITH_NOTICE',
  'LEGITIMATE_INTEREST_CLIENT',
  'LEGITIMATE_INTEREST_OTHER',
  'LEGITIMATE_INTEREST_PQL',
  'NON_GDPR',
  'PERFORMANCE_OF_CONTRACT',
  'PROCESS_AND_STORE',
]);

export type SetReason = 'NO_STATUS_CHANGE' | 'REQUESTED_CHANGE_OCCURRED' | 'RESUBSCRIBE_OCCURRED';

export interface LegalBasis {
  legalBasis: string | null;
  legalBasisExplanation: string | null;
}

export function subscriptionType(ctx: SimContext, id: string): { id: string; name: string } | undefined {
  return ctx.options().subscriptionTypes.find((t) => t.id === id);
}

/** The address's status for one type: NOT_SUBSCRIBED once opted out of all, null if never set. */
export function effectiveStatus(ctx: SimContext, email: string, typeId: string): SubscriptionState | null {
  const status = ctx.state.statusOf(email);
  if (!status) return null;
  if (status.optedOutOfAll) return 'NOT_SUBSCRIBED';
  return status.subscriptions.get(typeId)?.status ?? null;
}

/** Checks legalBasis fields; required only when the portal's data-privacy settings are on. */
export function checkLegalBasis(ctx: SimContext, raw: Record<string, unknown>): LegalBasis | SandboxResponse {
  const { legalBasis, legalBasisExplanation } = raw;
  if (legalBasis !== undefined && (typeof legalBasis !== 'string' || !LEGAL_BASES.has(legalBasis))) {
    return validationError(
      `Invalid legalBasis ${JSON.stringify(legalBasis)}; expected one of ${[...LEGAL_BASES].join(', ')}`,
    );
  }
  if (legalBasisExplanation !== undefined && typeof legalBasisExplanation !== 'string') {
    return validationError('legalBasisExplanation must be a string');
  }
  if (ctx.options().requireLegalBasis && (legalBasis === undefined || !legalBasisExplanation)) {
    return validationError(
      'legalBasis and legalBasisExplanation are required because data privacy settings are enabled for this portal',
    );
  }
  return {
    legalBasis: legalBasis ?? null,
    legalBasisExplanation: legalBasisExplanation ?? null,
  };
}

const isContact = (ctx: SimContext, email: string): boolean => ctx.state.contactByEmail(email) !== undefined;

function record(
  ctx: SimContext,
  email: string,
  scope: string,
  from: string,
  to: string,
  api: StatusApi,
): void {
  ctx.state.statusChanges.push({
    at: iso(ctx.now()),
    email,
    scope,
    from,
    to,
    api,
    wasContact: isContact(ctx, email),
  });
}

export function recordRefusedResubscribe(
  ctx: SimContext,
  email: string,
  typeId: string,
  api: StatusApi,
): void {
  const optedOut = ctx.state.statusOf(email)?.optedOutOfAll === true;
  ctx.state.resubscribeAttempts.push({
    at: iso(ctx.now()),
    email: email.toLowerCase(),
    subscriptionId: typeId,
    api,
    reason: optedOut ? 'OPTED_OUT_OF_ALL' : 'UNSUBSCRIBED_FROM_TYPE',
    outcome: 'REFUSED',
  });
}

/**
 * Sets one type's status as v4 does: SUBSCRIBED for someone opted out resubscribes them (RESUBSCRIBE_OCCURRED).
 * NOT_SPECIFIED (null) clears the type's status.
 */
export function setTypeStatus(
  ctx: SimContext,
  rawEmail: string,
  typeId: string,
  to: SubscriptionState | null,
  legal: LegalBasis,
  api: StatusApi,
): SetReason {
  const email = rawEmail.toLowerCase();
  const before = effectiveStatus(ctx, email, typeId);
  const status = ctx.state.ensureStatus(email);
  if (before === to) return 'NO_STATUS_CHANGE';
  const at = ctx.now();
  let reason: SetReason = 'REQUESTED_CHANGE_OCCURRED';
  if (to === 'SUBSCRIBED' && before === 'NOT_SUBSCRIBED') {
    reason = 'RESUBSCRIBE_OCCURRED';
    ctx.state.resubscribeAttempts.push({
      at: iso(at),
      email,
      subscriptionId: typeId,
      api,
      reason: status.optedOutOfAll ? 'OPTED_OUT_OF_ALL' : 'UNSUBSCRIBED_FROM_TYPE',
      outcome: 'RESUBSCRIBED',
    });
    if (status.optedOutOfAll) {
      status.optedOutOfAll = false;
      status.optedOutOfAllAt = null;
      record(ctx, email, 'ALL', 'OPTED_OUT', 'NOT_OPTED_OUT', api);
      const contact = ctx.state.contactByEmail(email);
      if (contact) ctx.state.setSystemProperty(contact, 'hs_email_optout', 'false');
    }
  }
  if (to === null) status.subscriptions.delete(typeId);
  else status.subscriptions.set(typeId, { status: to, ...legal, updatedAt: at });
  record(ctx, email, typeId, before ?? 'NOT_SPECIFIED', to ?? 'NOT_SPECIFIED', api);
  return reason;
}

/** Opts the address out of all email: every type becomes NOT_SUBSCRIBED; returns the types that changed. */
export function optOutOfAll(ctx: SimContext, rawEmail: string, api: StatusApi): string[] {
  const email = rawEmail.toLowerCase();
  const status = ctx.state.ensureStatus(email);
  const at = ctx.now();
  const changed: string[] = [];
  for (const type of ctx.options().subscriptionTypes) {
    const current = status.subscriptions.get(type.id);
    if (current?.status === 'NOT_SUBSCRIBED') continue;
    status.subscriptions.set(type.id, {
      status: 'NOT_SUBSCRIBED',
      legalBasis: current?.legalBasis ?? null,
      legalBasisExplanation: current?.legalBasisExplanation ?? null,
      updatedAt: at,
    });
    changed.push(type.id);
  }
  if (!status.optedOutOfAll) {
    status.optedOutOfAll = true;
    status.optedOutOfAllAt = at;
    record(ctx, email, 'ALL', 'NOT_OPTED_OUT', 'OPTED_OUT', api);
  }
  const contact = ctx.state.contactByEmail(email);
  if (contact) ctx.state.setSystemProperty(contact, 'hs_email_optout', 'true');
  return changed;
}
