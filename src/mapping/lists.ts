/**
 * The HubSpot lists a source record belongs in (pure). Which kinds are carried over and how the lists are
 * named come from the ListsPolicy (HUBSPOT_LISTS, HUBSPOT_LIST_NAME_*). Consent plays no part: lists are not
 * consent, so an opted-out person is in the same lists as everyone else.
 */
import type { MailchimpAudience, MailchimpSegment } from '../connectors/mailchimp/wire.ts';
import type { CcDefinitions } from '../connectors/constant-contact/wire.ts';
import type { ListKind, ListMembership, ListsPolicy } from '../core/lists.ts';
import { textValue } from './values.ts';

/** Names are kept well below any length HubSpot could refuse; the value is not documented. */
const MAX_LIST_NAME = 250;

type Placeholder = 'audience' | 'tag' | 'segment' | 'list';

/** The pattern with `<audience>`, `<tag>`, `<segment>` and `<list>` replaced; unknown ones stay as they are. */
export function listName(pattern: string, values: Partial<Record<Placeholder, string>>): string {
  const name = pattern.replace(
    /<(audience|tag|segment|list)>/g,
    (whole, key: Placeholder) => values[key] ?? whole,
  );
  return textValue(name, MAX_LIST_NAME) ?? pattern;
}

function carries(policy: ListsPolicy | undefined, kind: ListKind): policy is ListsPolicy {
  return policy !== undefined && policy.kinds.includes(kind);
}

/** Whether any kind of list is carried over (else records carry no `lists` at all). */
export function carriesLists(policy: ListsPolicy | undefined): policy is ListsPolicy {
  return policy !== undefined && policy.kinds.length > 0;
}

/** A Mailchimp member's audience list and one list per tag (`tags: [{ id, name }]`), without duplicates. */
export function mailchimpLists(
  audience: MailchimpAudience,
  audienceName: string,
  rawTags: unknown,
  policy: ListsPolicy,
): ListMembership[] {
  const out: ListMembership[] = [];
  if (carries(policy, 'audience')) {
    const name = listName(policy.names.audience, { audience: audienceName });
    out.push({ kind: 'audience', sourceId: audience.id, sourceName: audienceName, name });
  }
  if (carries(policy, 'tag') && Array.isArray(rawTags)) {
    for (const tag of rawTags as unknown[]) {
      if (typeof tag !== 'object' || tag === null) continue;
      const { id, name: rawName } = tag as { id?: unknown; name?: unknown };
      const tagName = textValue(rawName, MAX_LIST_NAME);
      if (!tagName) continue;
      const tagId = typeof id === 'number' || typeof id === 'string' ? String(id) : tagName;
      const name = listName(policy.names.tag, { audience: audienceName, tag: tagName });
      out.push({ kind: 'tag', sourceId: `${audience.id}:${tagId}`, sourceName: tagName, name });
    }
  }
  return unique(out);
}

/**
 * The segments of an audience that become HubSpot lists, by the kinds chosen: saved segments, and static
 * segments unless tags are carried over (a static segment is a tag in Mailchimp, so it would be the same list
 * twice: https://mailchimp.com/developer/marketing/api/list-segments/). Fuzzy segments are left out.
 */
export function segmentLists(
  audience: MailchimpAudience,
  segments: MailchimpSegment[],
  policy: ListsPolicy,
): ListMembership[] {
  const out: ListMembership[] = [];
  for (const segment of segments) {
    const kind =
      segment.type === 'saved' ? 'savedSegment' : segment.type === 'static' ? 'staticSegment' : null;
    if (!kind || !carries(policy, kind) || (kind === 'staticSegment' && carries(policy, 'tag'))) continue;
    const segmentName = textValue(segment.name, MAX_LIST_NAME) ?? segment.id;
    out.push({
      kind,
      sourceId: `${audience.id}:${segment.id}`,
      sourceName: segmentName,
      name: listName(policy.names[kind], { audience: audience.name, segment: segmentName }),
    });
  }
  return unique(out);
}

/** One list per Constant Contact list_id in `list_memberships`, named from the account's list definitions. */
export function ccLists(
  rawMemberships: unknown,
  definitions: CcDefinitions,
  policy: ListsPolicy,
): ListMembership[] {
  if (!carries(policy, 'ccList') || !Array.isArray(rawMemberships)) return [];
  const out: ListMembership[] = [];
  for (const id of rawMemberships as unknown[]) {
    if (typeof id !== 'string' || id.trim() === '') continue;
    // A list the definitions do not name (deleted since, or read before the definitions) keeps its id.
    const listLabel = textValue(definitions.lists.get(id) ?? id, MAX_LIST_NAME) ?? id;
    out.push({
      kind: 'ccList',
      sourceId: id,
      sourceName: listLabel,
      name: listName(policy.names.ccList, { list: listLabel }),
    });
  }
  return unique(out);
}

function unique(lists: ListMembership[]): ListMembership[] {
  const seen = new Set<string>();
  return lists.filter((l) => !seen.has(l.name.toLowerCase()) && seen.add(l.name.toLowerCase()));
}
