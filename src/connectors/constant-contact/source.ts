import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConstantContactConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import type { CcContact, CcContactPageParams, CcDefinitions, ConstantContactPort } from './wire.ts';
import { ConfigError } from '../../errors/index.ts';
import type { RetryOptions } from '../../http/retry.ts';
import { withoutNulls } from '../lenient.ts';
import { createCcTokenProvider, type CcTokenProvider } from './auth.ts';
import { createCcHttp, type CcTarget } from './client.ts';
import { createCcRateLimiter } from './limits.ts';
import {
  contactsPageSchema,
  customFieldsPageSchema,
  listsPageSchema,
  nextHref,
  tagsPageSchema,
} from './schemas.ts';

export const CONTACTS_PAGE_SIZE = 500;
export const CONTACT_INCLUDES = 'custom_fields,list_memberships,phone_numbers,street_addresses,taggings';
/** Far above any real account (25 custom fields, lists ≤ 1000 per page): only stops a server that never ends. */
const MAX_DEFINITION_PAGES = 1000;

export interface ConstantContactSourceDeps {
  redis: Redis;
  keyPrefix: string;
  timeoutMs: number;
  logger: Logger;
  observe?: ApiCallObserver;
  retry?: RetryOptions;
  tokens?: CcTokenProvider;
}

/**
 * A cursor that points at itself would page for ever: stop the run with an error a person can act on (a
 * ConfigError, so the queue does not retry the page).
 */
export class CcCursorLoopError extends ConfigError {
  constructor(endpoint: string) {
    super(
      `Constant Contact returned the same next-page link twice in a row for ${endpoint}; stopping instead of looping. Run again later; if it persists, report it to Constant Contact API support.`,
    );
  }
}

function firstPageParams(params: CcContactPageParams): Record<string, string> {
  const query: Record<string, string> = {
    limit: String(CONTACTS_PAGE_SIZE),
    status: 'all',
    include: CONTACT_INCLUDES,
    include_count: 'true',
  };
  if (params.updatedAfter) query.updated_after = params.updatedAfter;
  if (params.optoutAfter) query.optout_after = params.optoutAfter;
  return query;
}

/** Fields sent as null are dropped: null means the same as absent, so the mapper handles only absence. */
function toCcContact(raw: Record<string, unknown>): CcContact {
  const id = raw.contact_id;
  return { ...withoutNulls(raw), contact_id: typeof id === 'string' ? id : '' };
}

/** Reads every page of a definitions endpoint, following `_links.next.href` until it is gone. */
async function readAllPages<T>(
  first: CcTarget,
  endpoint: string,
  readPage: (target: CcTarget) => Promise<{ items: T[]; next: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let target: CcTarget | null = first;
  let previous: string | null = null;
  for (let pages = 0; target; pages++) {
    if (pages >= MAX_DEFINITION_PAGES) throw new CcCursorLoopError(endpoint);
    const page = await readPage(target);
    items.push(...page.items);
    if (page.next !== null && page.next === previous) throw new CcCursorLoopError(endpoint);
    previous = page.next;
    target = page.next === null ? null : { href: page.next };
  }
  return items;
}

export function createConstantContactSource(
  config: ConstantContactConfig,
  deps: ConstantContactSourceDeps,
): ConstantContactPort {
  const tokens =
    deps.tokens ??
    createCcTokenProvider(config, {
      redis: deps.redis,
      keyPrefix: deps.keyPrefix,
      timeoutMs: deps.timeoutMs,
      logger: deps.logger,
      ...(deps.observe ? { observe: deps.observe } : {}),
    });
  const http = createCcHttp({
    baseUrl: config.baseUrl,
    timeoutMs: deps.timeoutMs,
    tokens,
    limiter: createCcRateLimiter(deps.redis, deps.keyPrefix, config),
    ...(deps.observe ? { observe: deps.observe } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
  });

  async function customFields(): Promise<CcDefinitions['customFields']> {
    const endpoint = 'GET /contact_custom_fields';
    const fields = await readAllPages(
      { path: '/contact_custom_fields', params: { limit: '100' } },
      endpoint,
      async (target) => {
        const page = await http.get(target, endpoint, customFieldsPageSchema);
        return { items: page.custom_fields, next: nextHref(page._links) };
      },
    );
    return new Map(
      fields.map((f) => [
        f.custom_field_id,
        {
          name: f.name ?? f.label ?? f.custom_field_id,
          label: f.label ?? f.name ?? f.custom_field_id,
          type: f.type ?? 'string',
        },
      ]),
    );
  }

  async function lists(): Promise<CcDefinitions['lists']> {
    const endpoint = 'GET /contact_lists';
    const all = await readAllPages(
      // The reference says "from 1 - 500" for this endpoint (its schema says 1000): stay within both.
      // https://developer.constantcontact.com/api_reference/index.html#!/Contact_Lists/getLists
      { path: '/contact_lists', params: { limit: '500' } },
      endpoint,
      async (target) => {
        const page = await http.get(target, endpoint, listsPageSchema);
        return { items: page.lists, next: nextHref(page._links) };
      },
    );
    return new Map(all.map((l) => [l.list_id, l.name]));
  }

  async function tags(): Promise<CcDefinitions['tags']> {
    const endpoint = 'GET /contact_tags';
    const all = await readAllPages(
      { path: '/contact_tags', params: { limit: '500' } },
      endpoint,
      async (target) => {
        const page = await http.get(target, endpoint, tagsPageSchema);
        return { items: page.tags, next: nextHref(page._links) };
      },
    );
    return new Map(all.map((t) => [t.tag_id, t.name]));
  }

  return {
    async definitions(): Promise<CcDefinitions> {
      // One after the other: they share 4 requests/s anyway, and a failure stops the rest early.
      return { customFields: await customFields(), lists: await lists(), tags: await tags() };
    },

    async contactPage(params) {
      const endpoint = 'GET /contacts';
      const target: CcTarget =
        params.cursor === null
          ? { path: '/contacts', params: firstPageParams(params) }
          : { href: params.cursor };
      const page = await http.get(target, endpoint, contactsPageSchema);
      const next = nextHref(page._links);
      if (next !== null && next === params.cursor) throw new CcCursorLoopError(endpoint);
      return {
        contacts: page.contacts.map(toCcContact),
        nextCursor: next,
        totalCount: page.contacts_count ?? null,
      };
    },
  };
}
