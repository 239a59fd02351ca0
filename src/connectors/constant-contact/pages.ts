/**
 * Constant Contact contacts as chains of pages read from a checkpoint (the SourcePager port). The checkpoint is
 * the cursor Constant Contact hands out (`_links.next.href`, path-relative, absent on the last page:
 * https://community.constantcontact.com/t5/API-Developer-Support/v3-API-contacts-pagination/m-p/387715) plus
 * the filters of the chain's first page.
 */
import type { CcContact, ConstantContactPort } from './wire.ts';
import type { FirstCheckpoint, SourcePager } from '../../core/source-pages.ts';

export interface CcCheckpoint {
  source: 'constant-contact';
  /** Relative href of the page, null for the first. */
  cursor: string | null;
  /** ISO 8601; only the first page sends them, the cursor carries them after that. */
  updatedAfter?: string;
  optoutAfter?: string;
}

/**
 * The first checkpoint of every chain of a run: one chain of all contacts, or for an incremental sync two,
 * the contacts updated and the contacts opted out since `since`: whether an unsubscribe moves updated_at is
 * not documented (https://developer.constantcontact.com/api_guide/contacts_overview.html).
 */
export function firstCcCheckpoints(since?: Date): FirstCheckpoint<CcCheckpoint>[] {
  const start = { source: 'constant-contact', cursor: null } as const;
  if (!since) return [{ chain: 'all', checkpoint: start }];
  const after = since.toISOString();
  return [
    { chain: 'updated', checkpoint: { ...start, updatedAfter: after } },
    { chain: 'optout', checkpoint: { ...start, optoutAfter: after } },
  ];
}

/** Reads a chain's pages through a ConstantContactPort (the HTTP source, or a test double). */
export function ccPages(port: ConstantContactPort): SourcePager<CcCheckpoint, CcContact> {
  return {
    async readPage(checkpoint) {
      const page = await port.contactPage({
        cursor: checkpoint.cursor,
        ...(checkpoint.updatedAfter ? { updatedAfter: checkpoint.updatedAfter } : {}),
        ...(checkpoint.optoutAfter ? { optoutAfter: checkpoint.optoutAfter } : {}),
      });
      return {
        records: page.contacts,
        next: page.nextCursor ? { ...checkpoint, cursor: page.nextCursor } : null,
        total: page.totalCount,
      };
    },
  };
}
