/**
 * /communication-preferences/v4 and the date-versioned /communication-preferences/2026-0x statuses API.
 * Unlike v3, setting SUBSCRIBED for someone who opted out resubscribes them (RESUBSCRIBE_OCCURRED); the
 * snapshot records it so tests can prove the worker never does that. Batch endpoints need Marketing Hub
 * Enterprise (the batchEndpointsForbidden setting).
 */
import { json, type Router, type SandboxRequest, type SandboxResponse } from '../kit.ts';
import { definitionJson } from './comm-v3.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { missingScopes } from './guard.ts';
import {
  batchResponse,
  isRecord,
  isValidEmail,
  iso,
  readJsonBody,
  standardError,
  validationError,
} from './http.ts';
import type { StatusApi, SubscriptionState } from './state.ts';
import { effectiveStatus, optOutOfAll, setTypeStatus } from './subscriptions.ts';
import type { SetReason } from './subscriptions.ts';
import {
  batchInputs,
  emailInputs,
  knownAddress,
  parseWrite,
  splitKnown,
  unknownAddress,
} from './comm-v4-inputs.ts';

interface Version {
  api: StatusApi;
  base: string;
  read: string;
  write: string;
  batchRead: string;
  batchWrite: string;
}

const VERSIONS: Version[] = [
  {
    api: 'v4',
    base: '/communication-preferences/v4',
    read: 'communication_preferences.read',
    write: 'communication_preferences.write',
    batchRead: 'communication_preferences.statuses.batch.read',
    batchWrite: 'communication_preferences.statuses.batch.write',
  },
  ...['2026-03', '2026-09'].map((date) => ({
    api: '2026-09' as const,
    base: `/communication-preferences/${date}`,
    read: 'subscriptions-status-read',
    write: 'subscriptions-status-write',
    batchRead: 'subscription-status-batch-read',
    batchWrite: 'subscription-status-batch-write',
  })),
];

const stateName = (s: SubscriptionState | null): string =>
  s === 'SUBSCRIBED' ? 'SUBSCRIBED' : s === 'NOT_SUBSCRIBED' ? 'UNSUBSCRIBED' : 'NOT_SPECIFIED';

function publicStatus(
  ctx: SimContext,
  email: string,
  type: { id: string; name: string },
  reason?: SetReason | 'UNSUBSCRIBE_FROM_ALL_OCCURRED',
): Record<string, unknown> {
  const sub = ctx.state.statusOf(email)?.subscriptions.get(type.id);
  return {
    subscriberIdString: email,
    subscriptionId: Number(type.id),
    subscriptionName: type.name,
    channel: 'EMAIL',
    // Responses name it "status"; only request bodies say "statusState" (HubSpot v4 reference).
    status: stateName(effectiveStatus(ctx, email, type.id)),
    source: 'Public API',
    legalBasis: sub?.legalBasis ?? null,
    legalBasisExplanation: sub?.legalBasisExplanation ?? null,
    businessUnitId: 0,
    timestamp: iso(sub?.updatedAt ?? ctx.now()),
    ...(reason ? { setStatusSuccessReason: reason } : {}),
  };
}

function channelProblem(req: SandboxRequest): SandboxResponse | null {
  const channel = req.query.get('channel');
  if (channel === 'EMAIL') return null;
  return validationError(
    channel === null
      ? 'Query parameter "channel" is required (EMAIL)'
      : `Invalid channel ${channel}; only EMAIL is supported`,
  );
}

const forbidden = (scope: string): SandboxResponse =>
  missingScopes(
    [scope],
    `You must have an Marketing Hub Enterprise subscription to authorize these scopes: ${scope}`,
  );

function wideStatuses(ctx: SimContext, email: string): Record<string, unknown>[] {
  const status = ctx.state.statusOf(email);
  if (!status?.optedOutOfAll) return [];
  return [
    {
      wideStatusType: 'PORTAL_WIDE',
      status: 'UNSUBSCRIBED',
      channel: 'EMAIL',
      businessUnitId: 0,
      timestamp: iso(status.optedOutOfAllAt ?? ctx.now()),
    },
  ];
}

function unsubscribeAll(ctx: SimContext, v: Version, email: string): Record<string, unknown>[] {
  const wasOptedOut = ctx.state.statusOf(email)?.optedOutOfAll === true;
  optOutOfAll(ctx, email, v.api);
  const reason = wasOptedOut ? 'NO_STATUS_CHANGE' : 'UNSUBSCRIBE_FROM_ALL_OCCURRED';
  return ctx.options().subscriptionTypes.map((t) => publicStatus(ctx, email, t, reason));
}

const verbose = (req: SandboxRequest): boolean => req.query.get('verbose') === 'true';

function envelope(ctx: SimContext, startedAt: number, results: unknown[]): SandboxResponse {
  return batchResponse(200, startedAt, results, [], ctx.now());
}

/** The address in a single-address status call's path, or the 400 for one that is not an address. */
function pathEmail(req: SandboxRequest): string | SandboxResponse {
  const email = req.params.email ?? '';
  return isValidEmail(email) ? email.toLowerCase() : validationError(`Invalid email address: ${email}`);
}

function addSingleRoutes(router: Router, ctx: SimContext, v: Version): void {
  addRoute(router, ctx, {
    method: 'GET',
    path: `${v.base}/statuses/:email/unsubscribe-all`,
    scope: v.read,
    handle: (req) => {
      const email = knownPathEmail(ctx, req);
      if (typeof email !== 'string') return email;
      const results = wideStatuses(ctx, email).map((w) => ({ subscriberIdString: email, ...w }));
      return envelope(ctx, ctx.now(), results);
    },
  });
  addRoute(router, ctx, {
    method: 'POST',
    path: `${v.base}/statuses/:email/unsubscribe-all`,
    scope: v.write,
    handle: (req) => {
      const startedAt = ctx.now();
      const email = pathEmail(req);
      if (typeof email !== 'string') return email;
      const bad = channelProblem(req);
      if (bad) return bad;
      const results = unsubscribeAll(ctx, v, email);
      // verbose=false answers 200 with an empty body.
      return verbose(req) ? envelope(ctx, startedAt, results) : { status: 200 };
    },
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: `${v.base}/statuses/:email`,
    scope: v.read,
    handle: (req) => {
      const email = knownPathEmail(ctx, req);
      if (typeof email !== 'string') return email;
      return envelope(
        ctx,
        ctx.now(),
        ctx.options().subscriptionTypes.map((t) => publicStatus(ctx, email, t)),
      );
    },
  });
  addRoute(router, ctx, {
    method: 'POST',
    path: `${v.base}/statuses/:email`,
    scope: v.write,
    handle: (req) => {
      const startedAt = ctx.now();
      const email = pathEmail(req);
      if (typeof email !== 'string') return email;
      const body = readJsonBody(req);
      if (!body.ok) return body.response;
      const write = parseWrite(ctx, body.value, email);
      if (typeof write === 'string') return validationError(write);
      const reason = setTypeStatus(ctx, write.email, write.type.id, write.to, write.legal, v.api);
      return envelope(ctx, startedAt, [publicStatus(ctx, write.email, write.type, reason)]);
    },
  });
}

/** The address in a single-address status read's path, when the channel is right and the portal knows it. */
function knownPathEmail(ctx: SimContext, req: SandboxRequest): string | SandboxResponse {
  const email = pathEmail(req);
  if (typeof email !== 'string') return email;
  const bad = channelProblem(req);
  if (bad) return bad;
  return knownAddress(ctx, email) ? email : unknownAddress(email);
}

/** The addresses of a batch status call whose channel is right, or the answer that refuses it. */
function channelInputs(
  ctx: SimContext,
  req: SandboxRequest,
): SandboxResponse | { valid: string[]; errors: unknown[] } {
  return channelProblem(req) ?? emailInputs(ctx, req);
}

function addBatchRoutes(router: Router, ctx: SimContext, v: Version): void {
  const batch = (
    path: string,
    scope: string,
    handle: (req: SandboxRequest, startedAt: number) => SandboxResponse,
  ): void =>
    addRoute(router, ctx, {
      method: 'POST',
      path: `${v.base}/statuses/batch/${path}`,
      scope,
      handle: (req) => (ctx.options().batchEndpointsForbidden ? forbidden(scope) : handle(req, ctx.now())),
    });

  /** A batch read: one result per address the portal knows, OBJECT_NOT_FOUND for the others. */
  const readBatch = (path: string, result: (email: string) => Record<string, unknown>): void =>
    batch(path, v.batchRead, (req, startedAt) => {
      const parsed = channelInputs(ctx, req);
      if (!('valid' in parsed)) return parsed;
      const { known, errors } = splitKnown(ctx, parsed);
      const results = known.map((email) => ({ subscriberIdString: email, ...result(email) }));
      return batchResponse(200, startedAt, results, errors, ctx.now());
    });

  readBatch('read', (email) => ({
    statuses: ctx.options().subscriptionTypes.map((t) => publicStatus(ctx, email, t)),
  }));

  batch('write', v.batchWrite, (req, startedAt) => {
    const body = readJsonBody(req);
    if (!body.ok) return body.response;
    const inputs = batchInputs(ctx, body.value);
    if (!Array.isArray(inputs)) return inputs;
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const raw of inputs) {
      const write = parseWrite(ctx, raw);
      if (typeof write === 'string') {
        const id = isRecord(raw) ? String(raw.subscriberIdString) : '';
        errors.push(standardError('VALIDATION_ERROR', write, { subscriberIdString: [id] }));
        continue;
      }
      const reason = setTypeStatus(ctx, write.email, write.type.id, write.to, write.legal, v.api);
      results.push(publicStatus(ctx, write.email, write.type, reason));
    }
    return batchResponse(200, startedAt, results, errors, ctx.now());
  });

  readBatch('unsubscribe-all/read', (email) => ({ wideStatuses: wideStatuses(ctx, email) }));

  batch('unsubscribe-all', v.batchWrite, (req, startedAt) => {
    const parsed = channelInputs(ctx, req);
    if (!('valid' in parsed)) return parsed;
    const results = parsed.valid.map((email) => {
      const statuses = unsubscribeAll(ctx, v, email);
      return { subscriberIdString: email, statuses: verbose(req) ? statuses : [] };
    });
    return batchResponse(200, startedAt, results, parsed.errors, ctx.now());
  });
}

/** Subscription type definitions in the newer shape ({results: [...]}, ids as numbers like the status bodies). */
function addDefinitionsRoute(router: Router, ctx: SimContext, v: Version): void {
  addRoute(router, ctx, {
    method: 'GET',
    path: `${v.base}/definitions`,
    scope: v.read,
    handle: () =>
      json(200, {
        results: ctx
          .options()
          .subscriptionTypes.map((t) => ({ ...definitionJson(ctx, t), id: Number(t.id) })),
      }),
  });
}

export function addCommV4Routes(router: Router, ctx: SimContext): void {
  for (const v of VERSIONS) {
    addDefinitionsRoute(router, ctx, v);
    // Batch first: "/statuses/batch/unsubscribe-all" would otherwise match "/statuses/:email/unsubscribe-all".
    addBatchRoutes(router, ctx, v);
    addSingleRoutes(router, ctx, v);
  }
}
