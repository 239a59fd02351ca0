/**
 * HubSpot's v3 lists for contacts (objectTypeId 0-1): find a list by name, create a MANUAL one, read its size,
 * add and remove members by record id. https://developers.hubspot.com/docs/guides/api/crm/lists/overview
 *
 * - A list is fetched by name with `GET /crm/v3/lists/object-type-id/0-1/name/{name}` (404 when there is none)
 *   and created with `POST /crm/v3/lists` `{ name, objectTypeId: "0-1", processingType: "MANUAL" }`; list names
 *   are unique, so two workers creating the same list at once get a 400 and the loser fetches it by name.
 * - Members are changed with `PUT /crm/v3/lists/{listId}/memberships/add` and `/remove`, a JSON array of record
 *   id strings; records that do not exist, or already are (or are not) members, are ignored. Only MANUAL and
 *   SNAPSHOT lists take it. https://developers.hubspot.com/docs/api-reference/2026-03/crm/lists/memberships/add-to-list
 * - HubSpot documents no maximum of ids per membership call; batches keep to the 100 inputs of every other
 *   batch endpoint. https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
import { z } from 'zod';
import type { HubSpotListInfo, ListMembersResult } from '../../core/ports.ts';
import { RuntimeError } from '../../errors/index.ts';
import { chunked } from '../../lib/chunked.ts';
import { list as lenientList, optional } from '../lenient.ts';
import type { HubSpotTransport } from './client.ts';
import { MAX_BATCH_INPUTS } from './contacts.ts';
import { scopeError, type HubSpotRejection } from './errors.ts';
import type { Endpoint } from './versions.ts';

const CONTACTS = '0-1';
const READ_SCOPE = 'crm.lists.read';
const WRITE_SCOPE = 'crm.lists.write';
/** Lists whose members the API may set. */
const SETTABLE = new Set(['MANUAL', 'SNAPSHOT']);

const stringish = z.union([z.string(), z.number()]).transform(String);

const listSchema = z.looseObject({
  listId: stringish,
  name: optional(z.string()),
  processingType: optional(z.string()),
  size: optional(z.number()),
});
const listResponseSchema = z.looseObject({ list: listSchema });
const membershipsResponseSchema = z.looseObject({
  // HubSpot spells the added ids `recordsIdsAdded`; `recordIdsAdded` is accepted too.
  recordsIdsAdded: lenientList(stringish),
  recordIdsAdded: lenientList(stringish),
  recordIdsRemoved: lenientList(stringish),
  recordIdsMissing: lenientList(stringish),
});

export interface ListsDeps {
  transport: HubSpotTransport;
}

const paths = {
  create: (): Endpoint => ({ method: 'POST', path: '/crm/v3/lists', label: 'POST /crm/v3/lists' }),
  byName: (name: string): Endpoint => ({
    method: 'GET',
    path: `/crm/v3/lists/object-type-id/${CONTACTS}/name/${encodeURIComponent(name)}`,
    label: `GET /crm/v3/lists/object-type-id/${CONTACTS}/name/{name}`,
  }),
  byId: (listId: string): Endpoint => ({
    method: 'GET',
    path: `/crm/v3/lists/${encodeURIComponent(listId)}`,
    label: 'GET /crm/v3/lists/{listId}',
  }),
  members: (listId: string, change: 'add' | 'remove'): Endpoint => ({
    method: 'PUT',
    path: `/crm/v3/lists/${encodeURIComponent(listId)}/memberships/${change}`,
    label: `PUT /crm/v3/lists/{listId}/memberships/${change}`,
  }),
};

function infoOf(raw: z.infer<typeof listSchema>, fallbackName: string): HubSpotListInfo {
  return {
    listId: raw.listId,
    name: raw.name ?? fallbackName,
    processingType: raw.processingType ?? null,
    size: raw.size ?? null,
  };
}

function refused(rejection: HubSpotRejection, action: string, scope: string): Error {
  if (rejection.status === 403) return scopeError(rejection, action, scope);
  return new RuntimeError(`HubSpot refused to ${action} (${rejection.status}): ${rejection.message}`);
}

export async function findListByName(deps: ListsDeps, name: string): Promise<HubSpotListInfo | null> {
  const reply = await deps.transport.request({
    endpoint: paths.byName(name),
    schema: listResponseSchema,
    passThrough: [403, 404],
  });
  if (reply.ok) return infoOf(reply.body.list, name);
  if (reply.rejection.status === 404) return null;
  throw refused(reply.rejection, `read the list "${name}"`, READ_SCOPE);
}

export async function readList(deps: ListsDeps, listId: string): Promise<HubSpotListInfo | null> {
  const reply = await deps.transport.request({
    endpoint: paths.byId(listId),
    schema: listResponseSchema,
    passThrough: [403, 404],
  });
  if (reply.ok) return infoOf(reply.body.list, '');
  if (reply.rejection.status === 404) return null;
  throw refused(reply.rejection, `read the list ${listId}`, READ_SCOPE);
}

/** The list's id: found by name, else created as a MANUAL contact list; null when the name is a DYNAMIC list. */
/** A list's id when the API can set its members (MANUAL or SNAPSHOT), else null. */
export const settableListId = (info: HubSpotListInfo): string | null =>
  info.processingType === null || SETTABLE.has(info.processingType) ? info.listId : null;

export async function ensureList(deps: ListsDeps, name: string): Promise<string | null> {
  const settable = settableListId;
  const found = await findListByName(deps, name);
  if (found) return settable(found);
  const reply = await deps.transport.request({
    endpoint: paths.create(),
    body: { name, objectTypeId: CONTACTS, processingType: 'MANUAL' },
    schema: listResponseSchema,
    passThrough: [400, 403, 409],
  });
  if (reply.ok) return reply.body.list.listId;
  // Created by another worker since the look-up (names are unique): use that one.
  const again = reply.rejection.status === 403 ? null : await findListByName(deps, name);
  if (again) return settable(again);
  throw refused(reply.rejection, `create the list "${name}"`, WRITE_SCOPE);
}

/** Adds or removes record ids, 100 per call; `listMissing` when HubSpot has no such list (deleted by a user). */
export async function changeListMembers(
  deps: ListsDeps,
  listId: string,
  change: 'add' | 'remove',
  recordIds: string[],
): Promise<ListMembersResult> {
  let changed = 0;
  for (const chunk of chunked([...new Set(recordIds)], MAX_BATCH_INPUTS)) {
    const reply = await deps.transport.request({
      endpoint: paths.members(listId, change),
      body: chunk,
      schema: membershipsResponseSchema,
      passThrough: [403, 404],
    });
    if (!reply.ok) {
      if (reply.rejection.status === 404) return { listMissing: true, changed: 0 };
      throw refused(reply.rejection, `${change} members of the list ${listId}`, WRITE_SCOPE);
    }
    const body = reply.body;
    changed +=
      change === 'add'
        ? Math.max(body.recordsIdsAdded.length, body.recordIdsAdded.length)
        : body.recordIdsRemoved.length;
  }
  return { listMissing: false, changed };
}
