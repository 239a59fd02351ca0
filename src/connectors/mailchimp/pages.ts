/**
 * Mailchimp members as chains of pages, one chain per audience and status, each page read from a checkpoint
 * (the SourcePager port). The checkpoint is a keyset window on last_changed, in Mailchimp's time format.
 */
import {
  type MailchimpMember,
  type MailchimpMemberPage,
  type MailchimpPort,
  type MailchimpStatus,
  MAILCHIMP_STATUSES,
} from './wire.ts';
import type { FirstCheckpoint, SourcePager } from '../../core/source-pages.ts';
import { MAILCHIMP_PAGE_SIZE } from './source.ts';

/** Keyset window: members with since < last_changed < before (Mailchimp's filters are exclusive). */
export interface MailchimpWindow {
  since?: string;
  before: string;
  offset: number;
  /** Set while paging by offset through one second that holds more than a page of members. */
  tieSecond?: string;
}

export interface MailchimpCheckpoint extends MailchimpWindow {
  source: 'mailchimp';
  audienceId: string;
  status: MailchimpStatus;
}

/**
 * ISO 8601 at second precision with +00:00, the format of since_last_changed and before_last_changed
 * (https://mailchimp.com/developer/marketing/api/list-members/list-members-info/).
 */
export function toMailchimpTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const shift = (iso: string, ms: number) => toMailchimpTime(new Date(Date.parse(iso) + ms));

/**
 * The first checkpoint of every status's chain of one audience: members changed before `before` (the run's
 * upper bound) and, for an incremental sync, after `since`. Every status is read, archived included: whether
 * members come back without a status filter is not documented.
 */
export function firstMailchimpCheckpoints(
  audienceId: string,
  window: { before: Date; since?: Date | undefined },
): FirstCheckpoint<MailchimpCheckpoint>[] {
  return MAILCHIMP_STATUSES.map((status) => ({
    chain: `${audienceId}.${status}`,
    checkpoint: {
      source: 'mailchimp',
      audienceId,
      status,
      before: toMailchimpTime(window.before),
      offset: 0,
      ...(window.since ? { since: toMailchimpTime(window.since) } : {}),
    },
  }));
}

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
  const filled = page.members.length >= pageSize;
  const { since, before, offset, tieSecond } = current;
  if (tieSecond) {
    if (filled) return { before, offset: offset + pageSize, tieSecond };
    return { since: tieSecond, before, offset: 0 };
  }
  if (!filled) return null;
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

/** Reads a chain's pages through the member endpoint of a MailchimpPort (the SDK source, or a test double). */
export function mailchimpPages(
  port: MailchimpPort,
  pageSize = MAILCHIMP_PAGE_SIZE,
): SourcePager<MailchimpCheckpoint, MailchimpMember> {
  return {
    async readPage(checkpoint) {
      const query = mailchimpQuery(checkpoint);
      const page = await port.memberPage({
        audienceId: checkpoint.audienceId,
        status: checkpoint.status,
        offset: query.offset,
        count: pageSize,
        beforeLastChanged: query.before,
        ...(query.since ? { sinceLastChanged: query.since } : {}),
      });
      const window = nextMailchimpWindow(checkpoint, page, pageSize);
      const { source, audienceId, status } = checkpoint;
      return {
        records: page.members,
        next: window && { source, audienceId, status, ...window },
        total: page.totalItems,
      };
    },
  };
}
