/**
 * HUBSPOT_LISTS and HUBSPOT_LIST_NAME_*: which source lists become HubSpot static lists, and their names.
 * Off by default: lists cost API calls and show in the HubSpot portal, so a user asks for them.
 */
import { z } from 'zod';
import { DEFAULT_LIST_NAMES, type ListKind, type ListsPolicy } from '../core/lists.ts';

/** The words HUBSPOT_LISTS takes, and the kind each one means. */
const KIND_WORDS: Record<string, readonly ListKind[]> = {
  audiences: ['audience'],
  tags: ['tag'],
  'saved-segments': ['savedSegment'],
  // Static segments are what Mailchimp now calls tags: with `tags` on as well, each is carried once, as a tag.
  'static-segments': ['staticSegment'],
  segments: ['savedSegment', 'staticSegment'],
  'cc-lists': ['ccList'],
  all: ['audience', 'tag', 'savedSegment', 'staticSegment', 'ccList'],
  none: [],
};

const kinds = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const words = (raw ?? '')
      .split(',')
      .map((w) => w.trim().toLowerCase())
      .filter(Boolean);
    const out = new Set<ListKind>();
    for (const word of words) {
      const meant = KIND_WORDS[word];
      if (!meant) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown kind "${word}": use a comma-separated choice of audiences, tags, saved-segments, static-segments, segments, cc-lists (or all, none)`,
        });
        return z.NEVER;
      }
      for (const kind of meant) out.add(kind);
    }
    return [...out];
  });

const pattern = (fallback: string, placeholders: string[]) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim() ? raw.trim() : fallback;
      if (!placeholders.some((p) => value.includes(p))) {
        ctx.addIssue({
          code: 'custom',
          message: `must contain ${placeholders.join(' or ')}, or every source list would share one HubSpot list`,
        });
        return z.NEVER;
      }
      return value;
    });

/** The variables, merged into the environment schema in env.ts. */
export const LISTS_ENV = {
  HUBSPOT_LISTS: kinds,
  HUBSPOT_LIST_NAME_AUDIENCE: pattern(DEFAULT_LIST_NAMES.audience, ['<audience>']),
  HUBSPOT_LIST_NAME_TAG: pattern(DEFAULT_LIST_NAMES.tag, ['<tag>']),
  HUBSPOT_LIST_NAME_SEGMENT: pattern(DEFAULT_LIST_NAMES.savedSegment, ['<segment>']),
  HUBSPOT_LIST_NAME_CC: pattern(DEFAULT_LIST_NAMES.ccList, ['<list>']),
};

type ListsEnv = { [K in keyof typeof LISTS_ENV]: z.output<(typeof LISTS_ENV)[K]> };

export function listsPolicyFrom(e: ListsEnv): ListsPolicy {
  return {
    kinds: e.HUBSPOT_LISTS,
    names: {
      audience: e.HUBSPOT_LIST_NAME_AUDIENCE,
      tag: e.HUBSPOT_LIST_NAME_TAG,
      savedSegment: e.HUBSPOT_LIST_NAME_SEGMENT,
      staticSegment: e.HUBSPOT_LIST_NAME_SEGMENT,
      ccList: e.HUBSPOT_LIST_NAME_CC,
    },
  };
}
