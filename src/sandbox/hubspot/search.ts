/**
 * POST …/contacts/search and GET …/contacts/{id}. Search pages are ≤200, results beyond 10,000 are
 * unreachable, and there are at most 5 filter groups of 6 filters (18 in total), as in HubSpot.
 */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { CONTACT_BASES, contactJson } from './contacts.ts';
import { isRecord, notFound, readJsonBody, validationError } from './http.ts';
import type { Contact } from './state.ts';
import { doesNotExist, propertyValuesMessage } from './values.ts';

const MAX_LIMIT = 200;
const MAX_REACHABLE = 10_000;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;
const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: SandboxResponse };

/** Filter values may be JSON strings, numbers or booleans. */
const asString = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function parseFilter(ctx: SimContext, raw: unknown): Parsed<Filter> {
  if (!isRecord(raw) || typeof raw.propertyName !== 'string' || typeof raw.operator !== 'string') {
    return { ok: false, response: validationError('Invalid filter: propertyName and operator are required') };
  }
  if (!OPERATORS.has(raw.operator)) {
    return { ok: false, response: validationError(`Invalid filter operator ${raw.operator}`) };
  }
  if (!ctx.state.properties.has(raw.propertyName)) {
    return { ok: false, response: validationError(propertyValuesMessage([doesNotExist(raw.propertyName)])) };
  }
  const values = Array.isArray(raw.values) ? raw.values.map((v) => asString(v) ?? '') : undefined;
  const filter: Filter = { propertyName: raw.propertyName, operator: raw.operator };
  const value = asString(raw.value);
  const highValue = asString(raw.highValue);
  if (value !== undefined) filter.value = value;
  if (highValue !== undefined) filter.highValue = highValue;
  if (values) filter.values = values;
  const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(filter.operator);
  if (needsValue && filter.value === undefined) {
    return {
      ok: false,
      response: validationError(`Filter on ${filter.propertyName} with ${filter.operator} needs a value`),
    };
  }
  if ((filter.operator === 'IN' || filter.operator === 'NOT_IN') && !filter.values) {
    return {
      ok: false,
      response: validationError(`Filter on ${filter.propertyName} with ${filter.operator} needs values`),
    };
  }
  return { ok: true, value: filter };
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a.localeCompare(b);
}

function matches(contact: Contact, f: Filter): boolean {
  const current = contact.properties[f.propertyName];
  const lower = current?.toLowerCase();
  const v = f.value?.toLowerCase() ?? '';
  switch (f.operator) {
    case 'EQ':
      return lower === v;
    case 'NEQ':
      return lower !== v;
    case 'IN':
      return lower !== undefined && (f.values ?? []).some((x) => x.toLowerCase() === lower);
    case 'NOT_IN':
      return lower === undefined || !(f.values ?? []).some((x) => x.toLowerCase() === lower);
    case 'HAS_PROPERTY':
      return current !== undefined;
    case 'NOT_HAS_PROPERTY':
      return current === undefined;
    case 'CONTAINS_TOKEN':
      return lower !== undefined && lower.includes(v.replaceAll('*', ''));
    case 'NOT_CONTAINS_TOKEN':
      return lower === undefined || !lower.includes(v.replaceAll('*', ''));
    case 'LT':
      return current !== undefined && compare(current, f.value!) < 0;
    case 'LTE':
      return current !== undefined && compare(current, f.value!) <= 0;
    case 'GT':
      return current !== undefined && compare(current, f.value!) > 0;
    case 'GTE':
      return current !== undefined && compare(current, f.value!) >= 0;
    case 'BETWEEN':
      return (
        current !== undefined &&
        compare(current, f.value!) >= 0 &&
        compare(current, f.highValue ?? f.value!) <= 0
      );
    default:
      return false;
  }
}

/** Contacts matching one AND-group, using the EQ index when the group has an EQ filter. */
function matchGroup(ctx: SimContext, filters: Filter[]): Contact[] {
  const eq = filters.find((f) => f.operator === 'EQ');
  const candidates: Iterable<Contact> = eq
    ? [...ctx.state.idsWithValue(eq.propertyName, eq.value!)].flatMap((id) => ctx.state.contactById(id) ?? [])
    : ctx.state.contacts.values();
  const out: Contact[] = [];
  for (const contact of candidates) if (filters.every((f) => matches(contact, f))) out.push(contact);
  return out;
}

function parseGroups(ctx: SimContext, raw: unknown): Parsed<Filter[][]> {
  if (raw === undefined) return { ok: true, value: [] };
  if (!Array.isArray(raw)) {
    return { ok: false, response: validationError('Invalid input JSON: filterGroups must be an array') };
  }
  if (raw.length > MAX_GROUPS) {
    return { ok: false, response: validationError(`Too many filter groups: ${raw.length} > ${MAX_GROUPS}`) };
  }
  const groups: Filter[][] = [];
  let total = 0;
  for (const group of raw) {
    const filters = isRecord(group) && Array.isArray(group.filters) ? group.filters : [];
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      return {
        ok: false,
        response: validationError(
          `Too many filters in a group: ${filters.length} > ${MAX_FILTERS_PER_GROUP}`,
        ),
      };
    }
    total += filters.length;
    const parsed: Filter[] = [];
    for (const f of filters) {
      const filter = parseFilter(ctx, f);
      if (!filter.ok) return filter;
      parsed.push(filter.value);
    }
    groups.push(parsed);
  }
  if (total > MAX_FILTERS) {
    return { ok: false, response: validationError(`Too many filters: ${total} > ${MAX_FILTERS}`) };
  }
  return { ok: true, value: groups };
}

function handleSearch(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const request = isRecord(body.value) ? body.value : {};
  const limit = request.limit === undefined ? 10 : Number(request.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return validationError(`limit must be between 1 and ${MAX_LIMIT}, got ${String(request.limit)}`);
  }
  const after = request.after === undefined || request.after === '' ? 0 : Number(request.after);
  if (!Number.isInteger(after) || after < 0) {
    return validationError(`Invalid after: ${String(request.after)}`);
  }
  if (after + limit > MAX_REACHABLE) {
    return validationError(
      `Search results are limited to ${MAX_REACHABLE}; after + limit = ${after + limit}`,
    );
  }
  const groups = parseGroups(ctx, request.filterGroups);
  if (!groups.ok) return groups.response;
  const names = Array.isArray(request.properties)
    ? request.properties.map(String)
    : ['email', 'firstname', 'lastname'];
  let found: Contact[];
  if (groups.value.length === 0) found = [...ctx.state.contacts.values()];
  else {
    const byId = new Map<string, Contact>();
    for (const group of groups.value) for (const c of matchGroup(ctx, group)) byId.set(c.id, c);
    found = [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }
  const page = found.slice(after, after + limit);
  const next =
    after + limit < Math.min(found.length, MAX_REACHABLE)
      ? { next: { after: String(after + limit) } }
      : undefined;
  return json(200, {
    total: found.length,
    results: page.map((c) => contactJson(c, names, ctx)),
    ...(next ? { paging: next } : {}),
  });
}

function handleGet(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const id = req.params.contactId ?? '';
  const idProperty = req.query.get('idProperty') ?? 'hs_object_id';
  let contact: Contact | undefined;
  if (idProperty === 'hs_object_id') contact = ctx.state.contactById(id);
  else if (idProperty === 'email') contact = ctx.state.contactByEmail(id);
  else contact = ctx.state.contactByUnique(idProperty, id);
  if (!contact) return notFound();
  const requested = req.query
    .getAll('properties')
    .flatMap((p) => p.split(','))
    .filter(Boolean);
  return json(
    200,
    contactJson(contact, requested.length ? requested : ['email', 'firstname', 'lastname'], ctx),
  );
}

export function addSearchRoutes(router: Router, ctx: SimContext): void {
  for (const base of CONTACT_BASES) {
    addRoute(router, ctx, {
      method: 'POST',
      path: `${base}/search`,
      scope: 'crm.objects.contacts.read',
      limit: 'search',
      handle: (req) => handleSearch(ctx, req),
    });
    addRoute(router, ctx, {
      method: 'GET',
      path: `${base}/:contactId`,
      scope: 'crm.objects.contacts.read',
      handle: (req) => handleGet(ctx, req),
    });
  }
}
