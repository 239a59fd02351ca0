import type { SandboxResponse } from '../kit.ts';
import { MAILCHIMP_STATUSES, type MailchimpStatus } from '../generator/types.ts';
import { invalidResource } from './problem.ts';
import type { ListState, StoredMember } from './store.ts';
import { toSeconds } from './store.ts';

export const MAX_COUNT = 1000;

/** count (default 10; above 1000 silently capped, as the live API does) and offset. */
export function paging(query: URLSearchParams): { count: number; offset: number } {
  const count = Number.parseInt(query.get('count') ?? '10', 10);
  const offset = Number.parseInt(query.get('offset') ?? '0', 10);
  return {
    count: Number.isFinite(count) ? Math.max(0, Math.min(count, MAX_COUNT)) : 10,
    offset: Number.isFinite(offset) ? Math.max(0, offset) : 0,
  };
}

/**
 * count and offset as the reference states them (count 1–1000, default 10; offset ≥ 0), anything else refused
 * with a 400: for endpoints whose clients this sandbox holds to the documented limits.
 * https://mailchimp.com/developer/marketing/docs/methods-parameters/#pagination
 */
export function strictPaging(query: URLSearchParams): { count: number; offset: number } | SandboxResponse {
  const read = (field: string, fallback: number, min: number, max: number) => {
    const raw = query.get(field);
    if (raw === null) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    return value >= min && value <= max ? value : null;
  };
  const count = read('count', 10, 1, MAX_COUNT);
  const offset = read('offset', 0, 0, Number.MAX_SAFE_INTEGER);
  if (count === null || offset === null) {
    const field = count === null ? 'count' : 'offset';
    return invalidResource(
      "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
      [{ field, message: field === 'count' ? `Must be between 1 and ${MAX_COUNT}.` : 'Must be 0 or more.' }],
    );
  }
  return { count, offset };
}

/** A boolean query parameter: absent (the default), "true" or "false"; anything else is a 400. */
export function booleanParam(query: URLSearchParams, field: string): boolean | SandboxResponse {
  const raw = query.get(field);
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  return enumError(field);
}

/** ISO 8601 as milliseconds. A "+" sent unencoded arrives as a space; read it back as "+". */
function parseTime(value: string | null, field: string): number | null | SandboxResponse {
  if (value === null || value === '') return null;
  const ms = Date.parse(value.replace(' ', '+'));
  if (Number.isNaN(ms)) {
    return invalidResource(
      "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
      [{ field, message: 'This value is not a valid date-time (ISO 8601, e.g. 2015-10-21T15:41:36+00:00).' }],
    );
  }
  return ms;
}

const SORT_FIELDS = ['timestamp_opt', 'timestamp_signup', 'last_changed'] as const;
type SortField = (typeof SORT_FIELDS)[number];

const sortKey = (m: StoredMember, field: SortField): number =>
  field === 'last_changed' ? m.lastChanged : toSeconds(m.seed[field]);

function sorted(state: ListState, field: SortField | null, dir: 'ASC' | 'DESC'): StoredMember[] {
  if (!field) return state.members;
  const cacheKey = `${field}:${dir}`;
  const cached = state.sortCache.get(cacheKey);
  if (cached && cached.version === state.version) return cached.members;
  const sign = dir === 'ASC' ? 1 : -1;
  const members = [...state.members].sort(
    (a, b) => sign * (sortKey(a, field) - sortKey(b, field)) || a.order - b.order,
  );
  state.sortCache.set(cacheKey, { version: state.version, members });
  return members;
}

export const enumError = (field: string): SandboxResponse =>
  invalidResource(
    "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
    [{ field, message: 'Data did not match any of the allowed values' }],
  );

export interface MembersPage {
  members: StoredMember[];
  totalItems: number;
}

/** GET /lists/{id}/members filtering: an error response or the page plus the count of every match. */
export function queryMembers(
  state: ListState,
  query: URLSearchParams,
  sinceInclusive = false,
): MembersPage | SandboxResponse {
  const status = query.get('status');
  if (status !== null && !MAILCHIMP_STATUSES.includes(status as MailchimpStatus)) return enumError('status');
  const sortField = query.get('sort_field');
  if (sortField !== null && !SORT_FIELDS.includes(sortField as SortField)) return enumError('sort_field');
  const sortDir = (query.get('sort_dir') ?? 'ASC').toUpperCase();
  if (sortDir !== 'ASC' && sortDir !== 'DESC') return enumError('sort_dir');
  const unsubscribedSince = query.get('unsubscribed_since');
  if (unsubscribedSince !== null && status !== 'unsubscribed') {
    return invalidResource('unsubscribed_since can only be used with status=unsubscribed.');
  }
  const since = parseTime(query.get('since_last_changed'), 'since_last_changed');
  const before = parseTime(query.get('before_last_changed'), 'before_last_changed');
  const unsubSince = parseTime(unsubscribedSince, 'unsubscribed_since');
  for (const t of [since, before, unsubSince]) if (t !== null && typeof t === 'object') return t;
  const sinceS = typeof since === 'number' ? since / 1000 : null;
  const beforeS = typeof before === 'number' ? before / 1000 : null;
  const unsubS = typeof unsubSince === 'number' ? unsubSince / 1000 : null;
  const vipOnly = query.get('vip_only') === 'true';
  const emailType = query.get('email_type');
  const uniqueEmailId = query.get('unique_email_id');
  const { count, offset } = paging(query);

  const page: StoredMember[] = [];
  let total = 0;
  for (const m of sorted(state, sortField as SortField | null, sortDir)) {
    const s = m.seed;
    // Archived members only come back when asked for by status.
    if (status === null ? s.status === 'archived' : s.status !== status) continue;
    // Both bounds are exclusive, at the stored second precision, unless told that since is inclusive
    // (Mailchimp documents neither).
    if (sinceS !== null && !(sinceInclusive ? m.lastChanged >= sinceS : m.lastChanged > sinceS)) continue;
    if (beforeS !== null && !(m.lastChanged < beforeS)) continue;
    if (unsubS !== null && !(m.lastChanged > unsubS)) continue;
    if (vipOnly && !s.vip) continue;
    if (emailType && s.email_type !== emailType) continue;
    if (uniqueEmailId && s.unique_email_id !== uniqueEmailId) continue;
    if (total >= offset && page.length < count) page.push(m);
    total++;
  }
  return { members: page, totalItems: total };
}
