/**
 * Constant Contact's permission_to_send → the consent a record asks HubSpot to hold: the consent table of the
 * README. Only explicit and implicit permission may ever subscribe.
 * https://developer.constantcontact.com/api_guide/email_permissions.html
 */
import type { ConsentIntent } from '../core/contact.ts';
import type { ConsentPolicy } from './policy.ts';
import { parseTimestamp, textValue } from './values.ts';

export const CC_PERMISSIONS = [
  'explicit',
  'implicit',
  'pending_confirmation',
  'not_set',
  'temp_hold',
  'unsubscribed',
] as const;
export type CcPermission = (typeof CC_PERMISSIONS)[number];

export function isPermission(value: string): value is CcPermission {
  return (CC_PERMISSIONS as readonly string[]).includes(value);
}

function evidence(email: Record<string, unknown>): string {
  const source = textValue(email.opt_in_source, 50);
  const date = parseTimestamp(email.opt_in_date);
  const parts = [source ? `opt-in source: ${source}` : null, date ? date.toISOString().slice(0, 10) : null];
  const shown = parts.filter(Boolean).join(', ');
  return shown ? ` (${shown})` : '';
}

/** The consent table (README, consent). Only explicit and implicit may ever subscribe. */
export function consentFor(
  permission: CcPermission,
  email: Record<string, unknown>,
  policy: ConsentPolicy,
): ConsentIntent {
  switch (permission) {
    case 'explicit':
      return {
        state: 'subscribe',
        legalBasis: policy.subscribedLegalBasis,
        explanation: `Explicit permission in Constant Contact${evidence(email)}`,
      };
    case 'implicit':
      if (policy.implicitLegalBasis === 'NOT_SET') return { state: 'none' };
      return {
        state: 'subscribe',
        legalBasis: policy.implicitLegalBasis,
        explanation: `Implicit permission in Constant Contact${evidence(email)}`,
      };
    case 'unsubscribed':
      return {
        state: 'optOut',
        reason: textValue(email.opt_out_reason, 255) ?? 'Unsubscribed in Constant Contact',
      };
    case 'pending_confirmation':
    case 'not_set':
    case 'temp_hold':
      return { state: 'none' };
  }
}
