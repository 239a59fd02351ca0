/**
 * What the tool remembers about Mailchimp segments carried over as HubSpot lists (src/workers/segment-lists.ts),
 * and the one question the other list paths ask of it: does a segment still hold this person in this list?
 * A list can have more than one source when names meet (a saved segment named like a tag, or a name pattern
 * without `<audience>`): a person leaves it only when none of its sources holds them any more.
 */
import type { Redis } from 'ioredis';

/**
 * Redis keys of one segment, under the queue prefix: a dry run reads them and writes none but its own run's.
 * - `members` (no expiry; HubSpot record ids): who the tool put in the segment's HubSpot list;
 * - `listIds` (no expiry, one hash for all segments): which HubSpot list `members` is about, so that a segment
 *   whose list changes (renamed, a new name pattern, a list made again) starts over with nobody in the new one.
 */
export function segmentKeys(prefix: string, runId: string, sourceId: string) {
  const base = `${prefix}:list-memberships:segment`;
  return {
    members: `${base}:${sourceId}`,
    listIds: `${base}-lists`,
    seen: `${base}-run:${runId}:${sourceId}:seen`,
    diff: `${base}-run:${runId}:${sourceId}:diff`,
    /** Never written: the empty `members` of a dry run whose segment has a new list. */
    none: `${base}-run:${runId}:${sourceId}:none`,
  };
}

export type SegmentKeys = ReturnType<typeof segmentKeys>;

/** Of these HubSpot record ids, the ones a segment (other than `except`) holds in this HubSpot list. */
export async function heldBySegments(
  redis: Redis,
  prefix: string,
  listId: string,
  recordIds: string[],
  except?: string,
): Promise<Set<string>> {
  const held = new Set<string>();
  if (recordIds.length === 0) return held;
  const listIds = await redis.hgetall(segmentKeys(prefix, '', '').listIds);
  for (const [sourceId, id] of Object.entries(listIds)) {
    if (id !== listId || sourceId === except) continue;
    const flags = await redis.smismember(segmentKeys(prefix, '', sourceId).members, ...recordIds);
    recordIds.forEach((recordId, i) => {
      if (flags[i]) held.add(recordId);
    });
  }
  return held;
}
