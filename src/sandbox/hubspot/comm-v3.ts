/**
 * /communication-preferences/v3: definitions, status by email, subscribe, unsubscribe. v3 refuses to resubscribe
 * anyone who opted out (of all email or of that type) and cannot unsubscribe at portal level.
 */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { isRecord, isValidEmail, iso, readJsonBody, validationError } from './http.ts';
import {
  checkLegalBasis,
  effectiveStatus,
  recordRefusedResubscribe,
  setTypeStatus,
  subscriptionType,
} from './subscriptions.ts';

const BASE = '/communication-preferences/v3';

export function definitionJson(ctx: SimContext, type: { id: string; name: string }): Record<string, unknown> {
  const at = iso(0);
  return {
    id: type.id,
    name: type.name,
    description: `${type.name} emails`,
    purpose: 'Marketing',
    communicationMethod: 'Email',
    isActive: true,
    isDefault: type.id === ctx.options().subscriptionTypes[0]?.id,
    isInternal: false,
    businessUnitId: 0,
    createdAt: at,
    updatedAt: at,
  };
}

function statusJson(
  ctx: SimContext,
  email: string,
  type: { id: string; name: string },
): Record<string, unknown> {
  const status = ctx.state.statusOf(email);
  const sub = status?.subscriptions.get(type.id);
  return {
    id: type.id,
    name: type.name,
    description: `${type.name} emails`,
    status: effectiveStatus(ctx, email, type.id) ?? 'NOT_SUBSCRIBED',
    sourceOfStatus: status?.optedOutOfAll ? 'PORTAL_WIDE_STATUS' : 'SUBSCRIPTION_STATUS',
    brandId: 0,
    preferenceGroupName: 'Marketing',
    ...(sub?.legalBasis ? { legalBasis: sub.legalBasis } : {}),
    ...(sub?.legalBasisExplanation ? { legalBasisExplanation: sub.legalBasisExplanation } : {}),
  };
}

function handleWrite(
  ctx: SimContext,
  req: SandboxRequest,
  to: 'SUBSCRIBED' | 'NOT_SUBSCRIBED',
): SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const raw = body.value;
  if (!isRecord(raw) || typeof raw.emailAddress !== 'string' || typeof raw.subscriptionId !== 'string') {
    return validationError('Some required fields were not set: [emailAddress, subscriptionId]');
  }
  const email = raw.emailAddress;
  if (!isValidEmail(email)) return validationError(`Invalid email address: ${email}`);
  const type = subscriptionType(ctx, raw.subscriptionId);
  if (!type) return validationError(`Subscription ${raw.subscriptionId} does not exist`);
  const legal = checkLegalBasis(ctx, raw);
  if ('status' in legal) return legal;
  const current = effectiveStatus(ctx, email, type.id);
  if (to === 'SUBSCRIBED') {
    if (current === 'NOT_SUBSCRIBED') {
      recordRefusedResubscribe(ctx, email, type.id, 'v3');
      const why = ctx.state.statusOf(email)?.optedOutOfAll
        ? 'has opted out of all email'
        : `has unsubscribed from ${type.id}`;
      return validationError(`${email.toLowerCase()} ${why} and cannot be resubscribed through this API`);
    }
    if (current === 'SUBSCRIBED') {
      return validationError(`${email.toLowerCase()} is already subscribed to subscription ${type.id}`);
    }
  } else if (current === 'NOT_SUBSCRIBED') {
    return validationError(`${email.toLowerCase()} is already unsubscribed from subscription ${type.id}`);
  }
  setTypeStatus(ctx, email, type.id, to, legal, 'v3');
  return json(200, statusJson(ctx, email.toLowerCase(), type));
}

export function addCommV3Routes(router: Router, ctx: SimContext): void {
  const read = 'communication_preferences.read';
  const write = 'communication_preferences.write';
  addRoute(router, ctx, {
    method: 'GET',
    path: `${BASE}/definitions`,
    scope: read,
    handle: () =>
      json(200, {
        subscriptionDefinitions: ctx.options().subscriptionTypes.map((t) => definitionJson(ctx, t)),
      }),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: `${BASE}/status/email/:email`,
    scope: read,
    handle: (req) => {
      const email = (req.params.email ?? '').toLowerCase();
      if (!isValidEmail(email)) return validationError(`Invalid email address: ${email}`);
      return json(200, {
        recipient: email,
        subscriptionStatuses: ctx.options().subscriptionTypes.map((t) => statusJson(ctx, email, t)),
      });
    },
  });
  addRoute(router, ctx, {
    method: 'POST',
    path: `${BASE}/subscribe`,
    scope: write,
    handle: (req) => handleWrite(ctx, req, 'SUBSCRIBED'),
  });
  addRoute(router, ctx, {
    method: 'POST',
    path: `${BASE}/unsubscribe`,
    scope: write,
    handle: (req) => handleWrite(ctx, req, 'NOT_SUBSCRIBED'),
  });
}
