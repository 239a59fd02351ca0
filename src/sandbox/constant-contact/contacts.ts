import type { CcContactSeed, CcPermission } from '../generator/types.ts';
import type { SandboxResponse } from '../kit.ts';
import { invalidParam } from './errors.ts';

const STATUSES = ['all', 'active', 'deleted', 'not_set', 'pending_confirmation', 'temp_hold', 'unsubscribed'];
const INCLUDES = [
  'custom_fields',
  'list_memberships',
  'phone_numbers',
  'street_addresses',
  'taggings',
  'notes',
] as const;
type Include = (typeof INCLUDES)[number];
const DATE_PARAMS = [
  'updated_after',
  'updated_before',
  'created_after',
  'created_before',
  'optout_after',
  'optout_before',
] as const;

export interface ContactFilter {
  matches(c: CcContactSeed): boolean;
  include: Set<Include>;
  includeCount: boolean;
}

const csv = (v: string | null): string[] =>
  v === null
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** Validates GET /contacts filters (400 on anything the live API rejects) into a predicate. */
export function contactFilter(query: URLSearchParams): ContactFilter | SandboxResponse {
  const statuses = csv(query.get('status'));
  const badStatus = statuses.find((s) => !STATUSES.includes(s));
  if (badStatus) return invalidParam('status', `'${badStatus}' is not one of ${STATUSES.join(', ')}`);
  const include = csv(query.get('include'));
  const badInclude = include.find((s) => !(INCLUDES as readonly string[]).includes(s));
  if (badInclude) return invalidParam('include', `'${badInclude}' is not one of ${INCLUDES.join(', ')}`);
  const dates: Partial<Record<(typeof DATE_PARAMS)[number], number>> = {};
  for (const name of DATE_PARAMS) {
    const raw = query.get(name);
    if (raw === null) continue;
    const ms = Date.parse(raw.replace(' ', '+'));
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) {
      return invalidParam(name, 'must be an ISO-8601 date-time');
    }
    dates[name] = ms;
  }
  const lists = csv(query.get('lists'));
  if (lists.length > 25) return invalidParam('lists', 'at most 25 list ids');
  const tags = csv(query.get('tags'));
  if (tags.length > 50) return invalidParam('tags', 'at most 50 tag ids');
  const email = query.get('email')?.trim().toLowerCase();
  const includeCount = query.get('include_count') === 'true';

  const wantAll = statuses.includes('all');
  const wantDeleted = statuses.includes('deleted');
  const permissions = new Set<string>(
    statuses.filter((s) => s !== 'all' && s !== 'deleted' && s !== 'active'),
  );
  if (statuses.includes('active')) {
    permissions.add('implicit');
    permissions.add('explicit');
  }

  const statusOk = (c: CcContactSeed): boolean => {
    if (wantAll) return true;
    const deleted = c.deleted_at !== undefined;
    // Without status, deleted contacts are left out.
    if (statuses.length === 0) return !deleted;
    if (deleted) return wantDeleted;
    return permissions.has(c.email_address?.permission_to_send as CcPermission);
  };
  // Bounds are exclusive ("after"/"before").
  const inRange = (iso: string | undefined, after?: number, before?: number): boolean => {
    if (after === undefined && before === undefined) return true;
    if (!iso) return false;
    const t = Date.parse(iso);
    return (after === undefined || t > after) && (before === undefined || t < before);
  };

  return {
    include: new Set(include as Include[]),
    includeCount,
    matches: (c) =>
      statusOk(c) &&
      inRange(c.updated_at, dates.updated_after, dates.updated_before) &&
      inRange(c.created_at, dates.created_after, dates.created_before) &&
      inRange(c.email_address?.opt_out_date, dates.optout_after, dates.optout_before) &&
      (email === undefined || c.email_address?.address.trim().toLowerCase() === email) &&
      (lists.length === 0 || lists.some((l) => c.list_memberships.includes(l))) &&
      (tags.length === 0 || tags.some((t) => c.taggings.includes(t))),
  };
}

/** A ContactResource with only the sub-resources asked for via `include`. */
export function renderContact(c: CcContactSeed, include: Set<Include>): Record<string, unknown> {
  const { custom_fields, phone_numbers, street_addresses, list_memberships, taggings, notes, ...base } = c;
  const out: Record<string, unknown> = { ...base };
  if (include.has('custom_fields')) out.custom_fields = custom_fields;
  if (include.has('phone_numbers')) out.phone_numbers = phone_numbers;
  if (include.has('street_addresses')) out.street_addresses = street_addresses;
  if (include.has('list_memberships')) out.list_memberships = list_memberships;
  if (include.has('taggings')) out.taggings = taggings;
  if (include.has('notes')) out.notes = notes;
  return out;
}
