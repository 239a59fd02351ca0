/** Lists v3 for contacts: create, fetch by id or name, add and remove memberships (MANUAL and SNAPSHOT only). */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { hsError, isRecord, iso, notFound, readJsonBody, validationError } from './http.ts';
import type { HubSpotList } from './state.ts';

const PROCESSING_TYPES = new Set(['MANUAL', 'SNAPSHOT', 'DYNAMIC']);

function listJson(list: HubSpotList): Record<string, unknown> {
  return {
    listId: list.listId,
    name: list.name,
    objectTypeId: list.objectTypeId,
    processingType: list.processingType,
    processingStatus: 'COMPLETE',
    listVersion: list.listVersion,
    size: list.members.size,
    createdAt: iso(list.createdAt),
    updatedAt: iso(list.updatedAt),
  };
}

function handleCreate(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const raw = body.value;
  if (!isRecord(raw)) {
    return validationError('Some required fields were not set: [name, objectTypeId, processingType]');
  }
  const missing = ['name', 'objectTypeId', 'processingType'].filter(
    (k) => typeof raw[k] !== 'string' || raw[k] === '',
  );
  if (missing.length) return validationError(`Some required fields were not set: [${missing.join(', ')}]`);
  const { name, objectTypeId, processingType } = raw as Record<string, string>;
  if (objectTypeId !== '0-1') {
    return validationError(
      `The sandbox simulates contact lists only (objectTypeId 0-1), got ${objectTypeId}`,
    );
  }
  if (!PROCESSING_TYPES.has(processingType!)) {
    return validationError(`Invalid processingType ${processingType}`);
  }
  if (processingType !== 'MANUAL' && raw.filterBranch === undefined) {
    return validationError(`A ${processingType} list needs a filterBranch`);
  }
  const key = name!.toLowerCase();
  if (ctx.state.listsByName.has(key)) {
    return hsError(400, 'VALIDATION_ERROR', `A list named "${name}" already exists.`, {
      subCategory: 'ILS.DUPLICATE_LIST_NAMES',
    });
  }
  const at = ctx.now();
  const list: HubSpotList = {
    listId: ctx.state.newListId(),
    name: name!,
    objectTypeId: objectTypeId,
    processingType: processingType!,
    createdAt: at,
    updatedAt: at,
    listVersion: 1,
    members: new Map(),
  };
  ctx.state.lists.set(list.listId, list);
  ctx.state.listsByName.set(key, list);
  return json(200, { list: listJson(list) });
}

/** A membership change's list (MANUAL or SNAPSHOT only) and its record ids, or HubSpot's error answer. */
function membershipRequest(
  ctx: SimContext,
  req: SandboxRequest,
): { list: NonNullable<ReturnType<SimContext['state']['lists']['get']>>; ids: string[] } | SandboxResponse {
  const list = ctx.state.lists.get(req.params.listId ?? '');
  if (!list) return notFound(`List ${req.params.listId} does not exist`);
  if (list.processingType === 'DYNAMIC') {
    return validationError(
      `List ${list.listId} is DYNAMIC; memberships can be changed only on MANUAL or SNAPSHOT lists`,
    );
  }
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const ids: unknown = body.value;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    return validationError('Invalid input JSON: the body must be a JSON array of record id strings');
  }
  return { list, ids: ids as string[] };
}

function handleAdd(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const request = membershipRequest(ctx, req);
  if ('status' in request) return request;
  const { list, ids } = request;
  const added: string[] = [];
  const missing: string[] = [];
  const at = ctx.now();
  for (const id of ids) {
    if (!ctx.state.contactById(id)) missing.push(id);
    else if (!list.members.has(id)) {
      list.members.set(id, at);
      added.push(id);
    }
  }
  if (added.length) {
    list.updatedAt = at;
    list.listVersion++;
  }
  return json(200, { recordsIdsAdded: added, recordIdsMissing: missing });
}

/**
 * Removes record ids; ids that are not members (or not records) come back in recordIdsMissing.
 * https://developers.hubspot.com/docs/api-reference/2026-03/crm/lists/memberships/update-list-memberships
 */
function handleRemove(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const request = membershipRequest(ctx, req);
  if ('status' in request) return request;
  const { list, ids } = request;
  const removed: string[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    if (list.members.delete(id)) removed.push(id);
    else if (!ctx.state.contactById(id)) missing.push(id);
  }
  if (removed.length) {
    list.updatedAt = ctx.now();
    list.listVersion++;
  }
  return json(200, { recordIdsRemoved: removed, recordIdsMissing: missing });
}

function handleMemberships(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const list = ctx.state.lists.get(req.params.listId ?? '');
  if (!list) return notFound(`List ${req.params.listId} does not exist`);
  const limit = Math.min(Number(req.query.get('limit') ?? 100) || 100, 250);
  const after = Number(req.query.get('after') ?? 0) || 0;
  const all = [...list.members.entries()];
  const page = all
    .slice(after, after + limit)
    .map(([recordId, at]) => ({ recordId, membershipTimestamp: iso(at) }));
  const more = after + limit < all.length;
  return json(200, {
    results: page,
    total: all.length,
    ...(more ? { paging: { next: { after: String(after + limit) } } } : {}),
  });
}

export function addListRoutes(router: Router, ctx: SimContext): void {
  const read = 'crm.lists.read';
  const write = 'crm.lists.write';
  addRoute(router, ctx, {
    method: 'POST',
    path: '/crm/v3/lists',
    scope: write,
    handle: (req) => handleCreate(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/lists/object-type-id/:objectTypeId/name/:name',
    scope: read,
    handle: (req) => {
      const list =
        req.params.objectTypeId === '0-1'
          ? ctx.state.listsByName.get((req.params.name ?? '').toLowerCase())
          : undefined;
      return list
        ? json(200, { list: listJson(list) })
        : notFound(`List with name ${req.params.name} does not exist`);
    },
  });
  addRoute(router, ctx, {
    method: 'PUT',
    path: '/crm/v3/lists/:listId/memberships/add',
    scope: write,
    handle: (req) => handleAdd(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'PUT',
    path: '/crm/v3/lists/:listId/memberships/remove',
    scope: write,
    handle: (req) => handleRemove(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/lists/:listId/memberships',
    scope: read,
    handle: (req) => handleMemberships(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/lists/:listId',
    scope: read,
    handle: (req) => {
      const list = ctx.state.lists.get(req.params.listId ?? '');
      return list
        ? json(200, { list: listJson(list) })
        : notFound(`List ${req.params.listId} does not exist`);
    },
  });
}
