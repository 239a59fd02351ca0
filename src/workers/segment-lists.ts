/**
 * Mailchimp saved and static segments → HubSpot static lists. A member's record does not say which segments
 * the member is in, so each chosen segment's members are read once per run, after every write batch of the
 * run (at the start of the subscribe phase: each person the run wrote has a HubSpot record id by then), one
 * page of 1,000 at a time, and memory stays flat whatever the segment's size:
 * - the record ids of a page's people (the ids the upserts returned, kept by list-memberships.ts) go into a
 *   Redis set of this run;
 * - Redis then computes who joined (in this run's set, not in the segment's set as last written) and who left
 *   (the reverse); they are added to or removed from the HubSpot list, 1,000 at a time, and the segment's set
 *   follows each call that succeeded.
 * A run repeated after a crash reads the segment again and writes only what is still missing. People the tool
 * holds no record id for (never written: skipped records) are left out. Lists are not consent: the connector
 * asks for unsubscribed and cleaned members too, so opted-out people stay in their segment's list.
 * https://mailchimp.com/developer/marketing/api/list-segment-members/list-members-in-segment/
 */
import { normalizeEmail } from '../core/contact.ts';
import { SEGMENT_KINDS, type ListMembership, type ListsPolicy } from '../core/lists.ts';
import type { HubSpotListsPort } from '../core/ports.ts';
import { MAILCHIMP_PAGE_SIZE } from '../connectors/mailchimp/index.ts';
import type { MailchimpAudience } from '../connectors/mailchimp/wire.ts';
import {
  MalformedResponseError,
  RecordValidationError,
  RuntimeError,
  TransientError,
  errorMessage,
} from '../errors/index.ts';
import { segmentLists } from '../mapping/lists.ts';
import type { RunInfo } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { applyChanges, resolveLists } from './list-memberships.ts';
import { ListMembershipState } from './list-membership-state.ts';
import { heldBySegments, segmentKeys, type SegmentKeys } from './segment-list-state.ts';

/** Record ids per membership change handed out by one SPOP (the connector sends them 100 a call). */
const CHANGE_CHUNK = 1000;
/** This run's sets outlive the longest phase; they are deleted when the segment is done. */
const RUN_KEY_TTL_SECONDS = 24 * 3600;

/** Errors that leave the segment lists as they were for this run (the next run catches up) and go on. */
const passing = [TransientError, MalformedResponseError, RuntimeError, RecordValidationError];

/**
 * Every chosen segment of every audience the run read; nothing for a retry, a cancelled or a failed run (a
 * stopping error: the next run catches up) or a Constant Contact-only one.
 */
export async function syncSegmentLists(ctx: WorkerContext, run: RunInfo): Promise<void> {
  const policy = ctx.policy.lists;
  const port = ctx.hubspot().lists;
  if (!policy || !port || !SEGMENT_KINDS.some((k) => policy.kinds.includes(k))) return;
  if (run.kind === 'retry' || run.cancelRequested || run.status === 'failed') return;
  if (!run.sources.includes('mailchimp')) return;
  const audienceIds = (await ctx.store.readScopes(run.id))
    .filter((s) => s.startsWith('mailchimp:'))
    .map((s) => s.slice('mailchimp:'.length));
  for (const audienceId of audienceIds) {
    const known = await ctx.store.mailchimpAudience(run.id, audienceId);
    if (!known) continue;
    try {
      await syncAudience(ctx, run.id, known.audience, policy, port);
    } catch (err) {
      if (!passing.some((type) => err instanceof type)) throw err;
      const what = `Mailchimp audience ${known.audience.name}`;
      ctx.logger.warn({ runId: run.id, audienceId, err: errorMessage(err) }, 'segment lists not updated');
      await ctx.store.addNotice(
        run.id,
        `The HubSpot lists of the segments of ${what} were not updated in this run (${errorMessage(err)}); the next run updates them.`,
      );
    }
  }
}

async function syncAudience(
  ctx: WorkerContext,
  runId: string,
  audience: MailchimpAudience,
  policy: ListsPolicy,
  port: HubSpotListsPort,
): Promise<void> {
  const chosen = segmentLists(audience, await ctx.mailchimp().segments(audience.id), policy);
  if (chosen.length === 0) return;
  const state = new ListMembershipState(ctx.redis, ctx.statePrefix);
  const listIds = await resolveLists(ctx, state, port, chosen);
  for (const list of chosen) {
    const listId = listIds.get(list.name.toLowerCase());
    if (!listId) continue;
    const keys = segmentKeys(ctx.config.queuePrefix, runId, list.sourceId);
    if ((await ctx.redis.hget(keys.listIds, list.sourceId)) !== listId) {
      // A new list for this segment: nobody is in it through the tool yet.
      if (ctx.dryRun) keys.members = keys.none;
      else await ctx.redis.multi().del(keys.members).hset(keys.listIds, list.sourceId, listId).exec();
    }
    await readSegment(ctx, state, audience.id, list, keys);
    const target = { list, listId, keys, lists: listIds };
    const added = await change(ctx, state, port, target, 'add');
    if (added > 0) await ctx.store.bumpCount(runId, 'listMembershipsAdded', added);
    const removed = await change(ctx, state, port, target, 'remove');
    if (removed > 0) await ctx.store.bumpCount(runId, 'listMembershipsRemoved', removed);
    await ctx.redis.del(keys.seen, keys.diff);
  }
}

/** The record ids of the segment's people, page by page, into this run's `seen` set. */
async function readSegment(
  ctx: WorkerContext,
  state: ListMembershipState,
  audienceId: string,
  list: ListMembership,
  keys: SegmentKeys,
): Promise<void> {
  const segmentId = list.sourceId.slice(audienceId.length + 1);
  await ctx.redis.del(keys.seen);
  for (let offset = 0; ;) {
    const page = await ctx
      .mailchimp()
      .segmentMemberPage({ audienceId, segmentId, offset, count: MAILCHIMP_PAGE_SIZE });
    const emails = [...new Set(page.emails.map(normalizeEmail).filter((e): e is string => e !== null))];
    const ids = [...(await state.contactIds(emails)).values()];
    if (ids.length > 0) {
      await ctx.redis
        .multi()
        .sadd(keys.seen, ...ids)
        .expire(keys.seen, RUN_KEY_TTL_SECONDS)
        .exec();
    }
    offset += page.emails.length;
    if (page.emails.length === 0 || offset >= page.totalItems) return;
  }
}

interface Target {
  list: ListMembership;
  listId: string;
  keys: SegmentKeys;
  /** Lowercased list name → id, as resolveLists gave them (applyChanges names the list it makes again). */
  lists: Map<string, string>;
}

/** Adds who joined (seen − members) or removes who left (members − seen); the count HubSpot changed. */
async function change(
  ctx: WorkerContext,
  state: ListMembershipState,
  port: HubSpotListsPort,
  target: Target,
  kind: 'add' | 'remove',
): Promise<number> {
  const { keys } = target;
  const writes = !ctx.dryRun;
  const [from, minus] = kind === 'add' ? [keys.seen, keys.members] : [keys.members, keys.seen];
  const diff = () =>
    ctx.redis.multi().sdiffstore(keys.diff, from, minus).expire(keys.diff, RUN_KEY_TTL_SECONDS).exec();
  await diff();
  let total = 0;
  for (;;) {
    const ids = await ctx.redis.spop(keys.diff, CHANGE_CHUNK);
    if (ids.length === 0) return total;
    const sent = kind === 'add' ? ids : await leaving(ctx, state, target, ids);
    const replaced = new Map<string, string>();
    const changes = new Map(sent.length > 0 ? [[target.listId, new Set(sent)]] : []);
    total += await applyChanges(ctx, state, port, target.lists, changes, kind, replaced);
    const again = replaced.get(target.listId);
    if (again) {
      // The list was deleted in HubSpot and made again with these ids: everyone else seen goes in as well.
      target.listId = again;
      target.lists.set(target.list.name.toLowerCase(), again);
      if (writes) {
        await ctx.redis
          .multi()
          .del(keys.members)
          .sadd(keys.members, ...ids)
          .hset(keys.listIds, target.list.sourceId, again)
          .exec();
      }
      await diff();
      continue;
    }
    if (!writes) continue;
    if (kind === 'add') await ctx.redis.sadd(keys.members, ...ids);
    else await ctx.redis.srem(keys.members, ...ids);
  }
}

/** Of the people who left the segment, those no other source of the same list holds (a tag, another segment). */
async function leaving(
  ctx: WorkerContext,
  state: ListMembershipState,
  target: Target,
  ids: string[],
): Promise<string[]> {
  const { listId, list } = target;
  const bySegment = await heldBySegments(ctx.redis, ctx.config.queuePrefix, listId, ids, list.sourceId);
  const byRecords = await state.contactLists(ids.filter((id) => !bySegment.has(id)));
  const held = (id: string) =>
    bySegment.has(id) ||
    Object.values(byRecords.get(id) ?? {}).some((lists) => lists.some((l) => l.id === listId));
  return ids.filter((id) => !held(id));
}
