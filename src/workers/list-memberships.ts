/**
 * Source lists → HubSpot static lists, after a write batch's upserts: each record that asks for lists (see
 * src/mapping/lists.ts) and has a HubSpot record id is added to the lists it is newly in, and removed from the
 * lists it has left since the last sync. One add (and one remove) call per list and batch; list ids are
 * resolved once and kept in Redis. Lists are not consent: opted-out people are added like everyone else.
 */
import type { SourceContact } from '../core/contact.ts';
import type { ListMembership } from '../core/lists.ts';
import type { ContactWriteResult, HubSpotListsPort } from '../core/ports.ts';
import { RuntimeError, errorMessage } from '../errors/index.ts';
import type { WorkerContext } from './context.ts';
import { ListMembershipState, type ContactLists, type StoredList } from './list-membership-state.ts';
import { heldBySegments } from './segment-list-state.ts';

/** Per process: list name → id (null: a list of that name whose members the API cannot set). */
const resolved = new Map<string, string | null>();
const cacheKey = (prefix: string, name: string) => `${prefix}\u0000${name.toLowerCase()}`;

export async function syncListMemberships(
  ctx: WorkerContext,
  runId: string,
  records: SourceContact[],
  upserts: Map<string, ContactWriteResult>,
): Promise<void> {
  const policy = ctx.policy.lists;
  const port = ctx.hubspot().lists;
  if (!policy || policy.kinds.length === 0 || !port) return;
  const asking = records.filter((r) => r.lists !== undefined && upserts.get(r.key)?.ok !== false);
  if (asking.length === 0) return;
  const state = new ListMembershipState(ctx.redis, ctx.statePrefix);

  const ids = await contactIdsOf(state, port, asking, upserts);
  const lists = await resolveLists(
    ctx,
    state,
    port,
    asking.flatMap((r) => r.lists ?? []),
  );
  const byContact = new Map<string, SourceContact[]>();
  for (const record of asking) {
    const id = ids.get(record.key);
    if (id) byContact.set(id, [...(byContact.get(id) ?? []), record]);
  }
  const stored = await state.contactLists([...byContact.keys()]);
  const enabled = new Set(policy.kinds);
  const adds = new Map<string, Set<string>>();
  const removes = new Map<string, Set<string>>();
  const next = new Map<string, ContactLists>();
  const put = (into: Map<string, Set<string>>, listId: string, contactId: string) =>
    into.set(listId, (into.get(listId) ?? new Set()).add(contactId));

  for (const [contactId, contactRecords] of byContact) {
    const before = stored.get(contactId) ?? {};
    const after: ContactLists = { ...before };
    for (const record of contactRecords) {
      const wanted: StoredList[] = (record.lists ?? []).flatMap((l) => {
        const listId = lists.get(l.name.toLowerCase());
        return listId ? [{ id: listId, kind: l.kind }] : [];
      });
      // Kinds no longer carried over are left as they are: turning a kind off removes nobody.
      const kept = (before[record.key] ?? []).filter((l) => !enabled.has(l.kind));
      after[record.key] = [...wanted, ...kept];
    }
    const was = unionOf(before);
    const now = unionOf(after);
    for (const [listId] of now) if (!was.has(listId)) put(adds, listId, contactId);
    for (const [listId, kind] of was) {
      if (!now.has(listId) && enabled.has(kind)) put(removes, listId, contactId);
    }
    next.set(contactId, after);
  }

  // A list a segment feeds too (same name) keeps the people the segment still holds.
  for (const [listId, contactIds] of removes) {
    const held = await heldBySegments(ctx.redis, ctx.config.queuePrefix, listId, [...contactIds]);
    for (const id of held) contactIds.delete(id);
    if (contactIds.size === 0) removes.delete(listId);
  }
  const replaced = new Map<string, string>();
  const added = await applyChanges(ctx, state, port, lists, adds, 'add', replaced);
  const removed = await applyChanges(ctx, state, port, lists, removes, 'remove', replaced);
  for (const contactLists of next.values()) {
    for (const entries of Object.values(contactLists)) {
      for (const entry of entries) entry.id = replaced.get(entry.id) ?? entry.id;
    }
  }
  await state.saveContactLists(next);
  if (added > 0) await ctx.store.bumpCount(runId, 'listMembershipsAdded', added);
  if (removed > 0) await ctx.store.bumpCount(runId, 'listMembershipsRemoved', removed);
}

/** Every list a contact is in through any of its records (a list two records share is one membership). */
function unionOf(lists: ContactLists): Map<string, StoredList['kind']> {
  const out = new Map<string, StoredList['kind']>();
  for (const entries of Object.values(lists)) for (const l of entries) out.set(l.id, l.kind);
  return out;
}

/**
 * HubSpot record ids by record key: from this batch's upserts, else (a record whose properties another record
 * of the person writes) from the ids earlier upserts returned, else one batch read by email.
 */
async function contactIdsOf(
  state: ListMembershipState,
  port: HubSpotListsPort,
  records: SourceContact[],
  upserts: Map<string, ContactWriteResult>,
): Promise<Map<string, string>> {
  const fromUpserts: [string, string][] = [];
  for (const result of upserts.values()) if (result.ok) fromUpserts.push([result.email, result.hubspotId]);
  await state.rememberContactIds(fromUpserts);
  const byEmail = new Map(fromUpserts);
  const unknown = [...new Set(records.map((r) => r.email).filter((e) => !byEmail.has(e)))];
  for (const [email, id] of await state.contactIds(unknown)) byEmail.set(email, id);
  const missing = unknown.filter((e) => !byEmail.has(e));
  if (missing.length > 0) {
    const read = await port.contactIds(missing);
    await state.rememberContactIds([...read]);
    for (const [email, id] of read) byEmail.set(email, id);
  }
  const out = new Map<string, string>();
  for (const record of records) {
    const upsert = upserts.get(record.key);
    const id = upsert?.ok ? upsert.hubspotId : byEmail.get(record.email);
    if (id) out.set(record.key, id);
  }
  return out;
}

/** Lowercased list name → list id, found or created once; a list HubSpot refuses is left out (and logged). */
export async function resolveLists(
  ctx: WorkerContext,
  state: ListMembershipState,
  port: HubSpotListsPort,
  wanted: ListMembership[],
): Promise<Map<string, string>> {
  const prefix = ctx.statePrefix;
  const byName = new Map(wanted.map((l) => [l.name.toLowerCase(), l]));
  const out = new Map<string, string>();
  const open: ListMembership[] = [];
  for (const [name, list] of byName) {
    const cached = resolved.get(cacheKey(prefix, name));
    if (cached) out.set(name, cached);
    else if (cached === undefined) open.push(list);
  }
  const registered = await state.registeredLists(open.map((l) => l.name));
  for (const list of open) {
    const name = list.name.toLowerCase();
    const known = registered.get(name)?.listId;
    const listId = known ?? (await ensureListSafely(ctx, port, list.name));
    if (listId === undefined) continue;
    resolved.set(cacheKey(prefix, name), listId);
    if (listId === null) continue;
    out.set(name, listId);
    if (!known) await state.registerList({ ...list, listId });
  }
  return out;
}

/** undefined: HubSpot refused for now (tried again next batch); null: the name is a DYNAMIC list. */
async function ensureListSafely(
  ctx: WorkerContext,
  port: HubSpotListsPort,
  name: string,
): Promise<string | null | undefined> {
  try {
    const listId = await port.ensureList(name);
    if (listId === null) {
      ctx.logger.warn(
        { list: name },
        `HubSpot already has a list named "${name}" whose members the API cannot set (an active list): ` +
          'rename it in HubSpot or change the HUBSPOT_LIST_NAME_* pattern',
      );
    }
    return listId;
  } catch (err) {
    if (!(err instanceof RuntimeError)) throw err;
    ctx.logger.warn({ list: name, err: errorMessage(err) }, 'could not create a HubSpot list; left out');
    return undefined;
  }
}

export async function applyChanges(
  ctx: WorkerContext,
  state: ListMembershipState,
  port: HubSpotListsPort,
  lists: Map<string, string>,
  changes: Map<string, Set<string>>,
  change: 'add' | 'remove',
  /** Lists made again: old id → new id. */
  replaced: Map<string, string>,
): Promise<number> {
  const nameOf = new Map([...lists].map(([name, id]) => [id, name]));
  let total = 0;
  for (const [listId, contactIds] of changes) {
    const result = await port.changeMembers(listId, change, [...contactIds]);
    total += result.changed;
    const name = nameOf.get(listId);
    if (!result.listMissing || change === 'remove' || !name) continue;
    // Deleted in HubSpot since it was created: made again once, and the members added to the new one.
    const source = (await state.registeredLists([name])).get(name);
    resolved.delete(cacheKey(ctx.statePrefix, name));
    await state.forgetList(name);
    ctx.logger.warn({ list: name }, `the HubSpot list "${name}" no longer exists; creating it again`);
    const again = await ensureListSafely(ctx, port, source?.name ?? name);
    if (!again) continue;
    resolved.set(cacheKey(ctx.statePrefix, name), again);
    if (source) await state.registerList({ ...source, listId: again });
    replaced.set(listId, again);
    total += (await port.changeMembers(again, 'add', [...contactIds])).changed;
  }
  return total;
}
