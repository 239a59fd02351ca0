import type { MailchimpMemberPage } from '../core/ports.ts';
import type { MailchimpPageData } from '../queue/queues.ts';
import { toMailchimpTime } from '../run/watermarks.ts';

export const MAILCHIMP_PAGE_SIZE = 1000;

export type MailchimpWindow = Pick<MailchimpPageData, 'since' | 'before' | 'offset' | 'tieSecond'>;

const shift = (iso: string, ms: number) => toMailchimpTime(new Date(Date.parse(iso) + ms));

/** The filters to send for a window: inside a crowded second, exactly that second. */
export function mailchimpQuery(w: MailchimpWindow): { since?: string; before: string; offset: number } {
  if (!w.tieSecond) return { ...(w.since ? { since: w.since } : {}), before: w.before, offset: w.offset };
  const end = shift(w.tieSecond, 1000);
  return {
    since: shift(w.tieSecond, -1000),
    before: Date.parse(end) < Date.parse(w.before) ? end : w.before,
    offset: w.offset,
  };
}

/**
 * The window of the next page of a chain, or null when the chain is done.
 *
 * Pages are read by keyset (last_changed ascending) rather than by offset: a member that changes while we read
 * leaves the window (its last_changed passes `before`) without shifting the members after it, so nobody is
 * skipped. The filter is exclusive and second-precise, so the next page starts one second before the last
 * member seen (re-reading that second; fingerprints make re-reads free). A second holding a whole page or more
 * is paged by offset inside a window of exactly that second, then the chain continues after it.
 *
 * Mailchimp does not document whether since_last_changed is exclusive
 * (https://mailchimp.com/developer/marketing/api/list-members/list-members-info/). When a page shows that it
 * is not, the window is paged by offset to its end: slower, but it never loops.
 */
export function nextMailchimpWindow(
  current: MailchimpWindow,
  page: Pick<MailchimpMemberPage, 'members' | 'lastChanged'>,
  pageSize = MAILCHIMP_PAGE_SIZE,
): MailchimpWindow | null {
  const full = page.members.length >= pageSize;
  const { since, before, offset, tieSecond } = current;
  if (tieSecond) {
    if (full) return { before, offset: offset + pageSize, tieSecond };
    return { since: tieSecond, before, offset: 0 };
  }
  if (!full) return null;
  const byOffset = { ...(since ? { since } : {}), before, offset: offset + pageSize };
  // Offset paging inside a fixed window always ends: members that change leave it for good (past `before`).
  if (offset > 0) return byOffset;
  const first = page.lastChanged?.first;
  const last = page.lastChanged?.last;
  if (!first || !last) return byOffset;
  // A member at exactly `since` means the filter is inclusive here, and the keyset may not move past the last
  // member (the same last member, window after window): page this window by offset instead.
  if (since && Date.parse(first) <= Date.parse(since)) return byOffset;
  if (Date.parse(last) > Date.parse(first)) {
    return { since: shift(last, -1000), before: current.before, offset: 0 };
  }
  return { before: current.before, offset: 0, tieSecond: last };
}
