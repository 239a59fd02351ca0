/**
 * Mailchimp's wire shapes as this tool reads them (members, merge fields, audiences) and the port the Mailchimp
 * source offers over them. They belong to the connector: core speaks only the domain words (src/core).
 * Fields: https://github.com/mailchimp/mailchimp-client-lib-codegen/blob/main/spec/marketing.json
 */

export const MAILCHIMP_STATUSES = [
  'subscribed',
  'unsubscribed',
  'cleaned',
  'pending',
  'transactional',
  'archived',
] as const;
export type MailchimpStatus = (typeof MAILCHIMP_STATUSES)[number];

export interface MailchimpAudience {
  id: string;
  name: string;
}

export interface MailchimpMergeField {
  tag: string;
  name: string;
  type: string;
  options?: { choices?: string[]; date_format?: string } | undefined;
}

/**
 * A member as Mailchimp sends it. Fields are kept loose (unknown) where real data is messy so that one bad
 * member fails alone in the mapper instead of failing the page.
 */
export interface MailchimpMember {
  id: string;
  email_address: unknown;
  unique_email_id?: unknown;
  contact_id?: unknown;
  status: unknown;
  merge_fields?: unknown;
  tags?: unknown;
  ip_signup?: unknown;
  timestamp_signup?: unknown;
  ip_opt?: unknown;
  timestamp_opt?: unknown;
  last_changed?: unknown;
  unsubscribe_reason?: unknown;
  language?: unknown;
  [extra: string]: unknown;
}

export interface MailchimpMemberPageParams {
  audienceId: string;
  status: MailchimpStatus;
  offset: number;
  count: number;
  /** Exclusive, second precision (ISO 8601). */
  sinceLastChanged?: string;
  beforeLastChanged?: string;
}

export interface MailchimpMemberPage {
  members: MailchimpMember[];
  totalItems: number;
  /** last_changed of the first and last member of the page (ISO, second precision), for keyset paging. */
  lastChanged?: { first: string | null; last: string | null };
}

/** A segment of an audience: `static` ones are tags, `saved` ones follow conditions, `fuzzy` ones are models. */
export interface MailchimpSegment {
  id: string;
  name: string;
  type: string;
  /** Mailchimp's count of the segment's active (subscribed) members; null when it sends none. */
  memberCount: number | null;
}

export interface MailchimpSegmentMemberPage {
  /** Each member's address as Mailchimp sends it (unknown: the reader normalizes it). */
  emails: unknown[];
  totalItems: number;
}

export interface MailchimpPort {
  listAudiences(): Promise<MailchimpAudience[]>;
  getAudience(audienceId: string): Promise<MailchimpAudience>;
  mergeFields(audienceId: string): Promise<MailchimpMergeField[]>;
  /** Sorted by last_changed ascending. */
  memberPage(params: MailchimpMemberPageParams): Promise<MailchimpMemberPage>;
  /** Every segment of the audience (all types; paged internally). */
  segments(audienceId: string): Promise<MailchimpSegment[]>;
  /** One page of a segment's members, opted-out (unsubscribed, cleaned) and transactional ones included. */
  segmentMemberPage(params: {
    audienceId: string;
    segmentId: string;
    offset: number;
    count: number;
  }): Promise<MailchimpSegmentMemberPage>;
}
