/**
 * Zod schemas for what Mailchimp sends back. Pages are checked strictly (a page without `members` or
 * `total_items` is a broken response, retried), members loosely: only `id` is required, everything else stays
 * unknown for the mapper, so one bad member fails alone instead of failing its page.
 */
import { z } from 'zod';
import type { MailchimpMember, MailchimpMergeField } from '../../core/ports.ts';

const count = z.number().int().nonnegative();

export const listsPageSchema = z.object({
  lists: z.array(z.looseObject({ id: z.string().min(1), name: z.string() })),
  total_items: count,
});

export const listSchema = z.looseObject({ id: z.string().min(1), name: z.string() });

const mergeFieldOptionsSchema = z
  .looseObject({
    choices: z.array(z.unknown()).optional().catch(undefined),
    date_format: z.string().optional().catch(undefined),
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
  members: z.array(z.looseObject({ id: z.string().min(1) }).transform((m) => m as MailchimpMember)),
  total_items: count,
});

/** An RFC 7807 problem document as Mailchimp sends with errors (every field optional: we only read it). */
export const problemSchema = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
});
