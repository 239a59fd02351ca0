/**
 * Reading the inputs of the communication-preferences v4 (and date-versioned) status calls: one status write,
 * batch input lists, and which addresses HubSpot knows at all.
 * https://developers.hubspot.com/docs/api-reference/latest/communication-preferences/guide
 */
import { notFound, isRecord, isValidEmail, readJsonBody, standardError, validationError } from './http.ts';
import type { SandboxRequest, SandboxResponse } from '../kit.ts';
import type { SimContext } from './context.ts';
import type { SubscriptionState } from './state.ts';
import { checkLegalBasis, subscriptionType } from './subscriptions.ts';
import type { LegalBasis } from './subscriptions.ts';

export const STATES: Record<string, SubscriptionState | null> = {
  SUBSCRIBED: 'SUBSCRIBED',
  UNSUBSCRIBED: 'NOT_SUBSCRIBED',
  NOT_SPECIFIED: null,
};

export interface WriteRequest {
  email: string;
  type: { id: string; name: string };
  to: SubscriptionState | null;
  legal: LegalBasis;
}

/** One status write (single or batch input); a string is the error message for that input. */
export function parseWrite(ctx: SimContext, raw: unknown, pathEmail?: string): WriteRequest | string {
  if (!isRecord(raw)) return 'Invalid input JSON: a status write must be an object';
  const email = pathEmail ?? raw.subscriberIdString;
  if (typeof email !== 'string' || !isValidEmail(email)) return `Invalid email address: ${String(email)}`;
  if (raw.channel !== 'EMAIL') {
    return `Invalid channel ${String(raw.channel)}; channel is required and must be EMAIL`;
  }
  if (typeof raw.statusState !== 'string' || !(raw.statusState in STATES)) {
    return `Invalid statusState ${String(raw.statusState)}; expected SUBSCRIBED, UNSUBSCRIBED or NOT_SPECIFIED`;
  }
  if (typeof raw.subscriptionId !== 'number' || !Number.isInteger(raw.subscriptionId)) {
    return `subscriptionId must be an integer (int64), got ${JSON.stringify(raw.subscriptionId)}`;
  }
  const type = subscriptionType(ctx, String(raw.subscriptionId));
  if (!type) return `Subscription ${raw.subscriptionId} does not exist`;
  const legal = checkLegalBasis(ctx, raw);
  if ('status' in legal) return String((legal.body as { message?: string }).message);
  return { email: email.toLowerCase(), type, to: STATES[raw.statusState] ?? null, legal };
}

/** `inputs` as a non-empty array no longer than the batch maximum. */
export function batchInputs(ctx: SimContext, body: unknown): unknown[] | SandboxResponse {
  const inputs = isRecord(body) ? body.inputs : undefined;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    return validationError('Some required fields were not set: [inputs]');
  }
  const max = ctx.options().statusBatchMaxInputs;
  if (inputs.length > max) {
    return validationError(`Batch input size ${inputs.length} exceeds the limit of ${max} inputs`);
  }
  return inputs as unknown[];
}

export function emailInputs(
  ctx: SimContext,
  req: SandboxRequest,
): { valid: string[]; errors: unknown[] } | SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const inputs = batchInputs(ctx, body.value);
  if (!Array.isArray(inputs)) return inputs;
  const valid: string[] = [];
  const errors: unknown[] = [];
  for (const input of inputs) {
    if (typeof input !== 'string') {
      return validationError('Invalid input JSON: inputs must be email address strings');
    }
    if (isValidEmail(input)) valid.push(input.toLowerCase());
    else {
      errors.push(
        standardError('VALIDATION_ERROR', `Invalid email address: ${input}`, { subscriberIdString: [input] }),
      );
    }
  }
  return { valid, errors };
}

/**
 * HubSpot answers a status read of an address it knows nothing about (no contact, no status ever set) with
 * 404, and leaves it out of batch reads with an error: a reader must not take that for "not specified".
 */
export function knownAddress(ctx: SimContext, email: string): boolean {
  return ctx.state.contactByEmail(email) !== undefined || ctx.state.statusOf(email) !== undefined;
}

export const unknownAddress = (email: string): SandboxResponse =>
  notFound(`No subscriber found for ${email}`);

/** Batch reads: known addresses in results, unknown ones as errors naming them. */
export function splitKnown(ctx: SimContext, parsed: { valid: string[]; errors: unknown[] }) {
  const known = parsed.valid.filter((email) => knownAddress(ctx, email));
  const errors = [
    ...parsed.errors,
    ...parsed.valid
      .filter((email) => !knownAddress(ctx, email))
      .map((email) =>
        standardError('OBJECT_NOT_FOUND', `No subscriber found for ${email}`, {
          subscriberIdString: [email],
        }),
      ),
  ];
  return { known, errors };
}
