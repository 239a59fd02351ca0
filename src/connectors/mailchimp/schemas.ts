/**
 * Zod schemas for what Mailchimp sends back (https://mailchimp.com/developer/marketing/api/list-members/).
 * Pages need what paging reads (`members`, `total_items`); members are loose: only `id` is required, fields sent
 * as null are dropped (null means the same as absent), everything else stays unknown for the mapper, so one bad
 * member fails alone instead of failing its page.
 */
import { z } from 'zod';
import type { MailchimpMember, MailchimpMergeField, MailchimpSegment } from './wire.ts';
import { list, optional, withoutNulls } from '../lenient.ts';

const count = z.number().int().nonnegative();

export const listsPageSchema = z.object({
  lists: z.array(z.looseObject({ id: z.string().min(1), name: z.string() })),
  total_items: count,
});

export const listSchema = z.looseObject({ id: z.string().min(1), name: z.string() });

const mergeFieldOptionsSchema = z
  .looseObject({
    choices: optional(z.array(z.unknown())).catch(undefined),
    date_format: optional(z.string()).catch(undefined),
  })
  .optional()
  .catch(undefined);

const mergeFieldSchema = z
  .looseObject({
    tag: z.string().min(1),
    name: z.string().catch(''),
    type: z.string(),
    options: mergeFieldOptionsSchema,
  })
  .transform((f): MailchimpMergeField => ({
    tag: f.tag,
    name: f.name,
    type: f.type,
    options: f.options && {
      choices: f.options.choices?.filter((c): c is string => typeof c === 'string'),
      date_format: f.options.date_format,
    },
  }));

export const mergeFieldsPageSchema = z.object({
  merge_fields: z.array(mergeFieldSchema),
  total_items: count,
});

export const membersPageSchema = z.object({
  members: z.array(
    z.looseObject({ id: z.string().min(1) }).transform((m) => withoutNulls(m) as MailchimpMember),
  ),
  total_items: count,
});

/**
 * GET /lists/{list_id}/segments: a segment needs its id (a number in the reference; a string is accepted) and
 * a name; type and member_count are read when usable.
 * https://mailchimp.com/developer/marketing/api/list-segments/list-segments/
 */
export const segmentsPageSchema = z.object({
  segments: list(
    z
      .looseObject({
        id: z.union([z.number().int(), z.string().min(1)]),
        name: z.string().catch(''),
        type: optional(z.string()).catch(undefined),
        member_count: optional(count).catch(undefined),
      })
      .transform((s): MailchimpSegment => ({
        id: String(s.id),
        name: s.name,
        type: s.type ?? '',
        memberCount: s.member_count ?? null,
      })),
  ),
  total_items: count,
});

/**
 * GET /lists/{list_id}/segments/{segment_id}/members: only the address is read; a member without a usable
 * one is kept as it is and left out by the reader.
 * https://mailchimp.com/developer/marketing/api/list-segment-members/list-members-in-segment/
 */
export const segmentMembersPageSchema = z.object({
  members: list(z.looseObject({ email_address: z.unknown() })),
  total_items: count,
});

/** An RFC 7807 problem document as Mailchimp sends with errors (every field optional: we only read it). */
export const problemSchema = z.looseObject({
  type: optional(z.string()),
  title: optional(z.string()),
  status: optional(z.number()),
  detail: optional(z.string()),
});
