/**
 * Source lists carried over as HubSpot static lists: which kinds of source list a run carries, and what a
 * source record asks for. Lists are not consent: an opted-out person stays in the lists they are in.
 */

/** Mailchimp audiences, tags and saved or static segments, Constant Contact lists. */
export const LIST_KINDS = ['audience', 'tag', 'savedSegment', 'staticSegment', 'ccList'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** One HubSpot list a source record belongs in. */
export interface ListMembership {
  kind: ListKind;
  /**
   * The source's id of the list (audience id, `<audience id>:<tag id>`, `<audience id>:<segment id>`,
   * Constant Contact list_id).
   */
  sourceId: string;
  /** The source's own name of the list (for a tag: the tag's name). */
  sourceName: string;
  /** The HubSpot list's name, from the configured pattern. */
  name: string;
}

/** Which kinds of source list become HubSpot lists, and how the HubSpot lists are named. */
export interface ListsPolicy {
  kinds: readonly ListKind[];
  /** Patterns with `<audience>`, `<tag>`, `<segment>` and `<list>` placeholders. */
  names: Record<ListKind, string>;
}

export const DEFAULT_LIST_NAMES: Record<ListKind, string> = {
  audience: 'Mailchimp · <audience>',
  tag: 'Mailchimp · <audience> · <tag>',
  savedSegment: 'Mailchimp · <audience> · <segment>',
  staticSegment: 'Mailchimp · <audience> · <segment>',
  ccList: 'Constant Contact · <list>',
};

/** Segment kinds: their members are read from the segment once per run, not from the member's record. */
export const SEGMENT_KINDS = ['savedSegment', 'staticSegment'] as const satisfies readonly ListKind[];

export const NO_LISTS: ListsPolicy = { kinds: [], names: DEFAULT_LIST_NAMES };
