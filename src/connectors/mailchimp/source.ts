/**
 * The Mailchimp source: MailchimpPort over the official SDK. Every HTTP call holds one of the account's
 * connection slots (shared by all workers through Redis), goes through callWithRetry once, is reported to the
 * observer and has its body validated before anyone reads it.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ZodType } from 'zod';
import type { MailchimpConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import type {
  MailchimpAudience,
  MailchimpMember,
  MailchimpMemberPageParams,
  MailchimpMergeField,
  MailchimpPort,
} from './wire.ts';
import { ConfigError, MalformedResponseError, firstIssue } from '../../errors/index.ts';
import { callWithRetry, type RetryOptions } from '../../http/retry.ts';
import { SharedSemaphore } from '../../lib/redis-limits.ts';
import { isBareForbidden, statusOf, toSyncError, type CallContext } from './errors.ts';
import {
  listSchema,
  listsPageSchema,
  membersPageSchema,
  mergeFieldsPageSchema,
  segmentMembersPageSchema,
  segmentsPageSchema,
} from './schemas.ts';
import { createSdkListsApi, type SdkListsApi, type SdkResult } from './sdk.ts';

/** Mailchimp's maximum page size for every collection we read. */
export const MAILCHIMP_PAGE_SIZE = 1000;

/**
 * Bare 403s in a row (no problem document) waited out as throttling before the run stops: Mailchimp's own
 * throttling passes within a few waits, a proxy or firewall page does not.
 */
const MAX_BARE_403_WAITS = 3;

/** Anything that runs an operation while holding one connection slot. */
export interface ConnectionLimiter {
  run<T>(operation: () => Promise<T>): Promise<T>;
}

export interface MailchimpSourceDeps {
  redis: Redis;
  keyPrefix: string;
  timeoutMs: number;
  observe?: ApiCallObserver | undefined;
  retry?: RetryOptions | undefined;
}

/** A short, stable id for the account: never the key itself in Redis. */
export function mailchimpAccountHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

export function mailchimpSemaphoreKey(keyPrefix: string, apiKey: string): string {
  return `${keyPrefix}:limits:mailchimp:${mailchimpAccountHash(apiKey)}`;
}

export function createMailchimpSource(config: MailchimpConfig, deps: MailchimpSourceDeps): MailchimpPort {
  const limiter = new SharedSemaphore(
    deps.redis,
    mailchimpSemaphoreKey(deps.keyPrefix, config.apiKey),
    config.maxConnections,
    // A slot outlives the longest call, so a crashed worker's slot frees itself but a slow call keeps its own.
    deps.timeoutMs + 10_000,
  );
  return buildMailchimpSource({
    lists: () =>
      createSdkListsApi({ apiKey: config.apiKey, baseUrl: config.baseUrl, timeoutMs: deps.timeoutMs }),
    limiter,
    observe: deps.observe,
    retry: deps.retry,
  });
}

/** The source over any lists API and limiter (tests pass an in-memory limiter). */
export function buildMailchimpSource(parts: {
  lists: () => Promise<SdkListsApi>;
  limiter: ConnectionLimiter;
  observe?: ApiCallObserver | undefined;
  retry?: RetryOptions | undefined;
}): MailchimpPort {
  let listsApi: Promise<SdkListsApi> | undefined;
  const lists = () => (listsApi ??= parts.lists());
  // Across calls of this process: a blocked network path blocks every call.
  let bare403InARow = 0;

  function report(endpoint: string, status: number | 'network', startedAt: number): void {
    try {
      parts.observe?.({ api: 'mailchimp', endpoint, status, durationMs: performance.now() - startedAt });
    } catch {
      // Metrics must never break a sync.
    }
  }

  /** One HTTP call, once: holds a slot, reports, classifies failures, validates the body. */
  async function attempt<T>(
    call: CallContext,
    schema: ZodType<T>,
    send: (api: SdkListsApi) => Promise<SdkResult>,
  ) {
    const api = await lists();
    const result = await parts.limiter.run(async () => {
      const startedAt = performance.now();
      try {
        const sent = await send(api);
        report(call.endpoint, sent.response.status, startedAt);
        bare403InARow = 0;
        return sent;
      } catch (err) {
        report(call.endpoint, statusOf(err) ?? 'network', startedAt);
        if (!isBareForbidden(err)) bare403InARow = 0;
        else if (++bare403InARow > MAX_BARE_403_WAITS) {
          throw new ConfigError(
            `Mailchimp answered 403 without an error body ${bare403InARow} times in a row (${call.endpoint}): ` +
              "something between this machine and Mailchimp (a proxy, a firewall or Mailchimp's abuse " +
              'protection) refuses the requests. Check the network path (HTTPS_PROXY, firewall rules) and ' +
              'MAILCHIMP_BASE_URL, then run again.',
          );
        }
        throw toSyncError(err, call);
      }
    });
    return parseBody(result, schema, call);
  }

  function request<T>(call: CallContext, schema: ZodType<T>, send: (api: SdkListsApi) => Promise<SdkResult>) {
    return callWithRetry(() => attempt(call, schema, send), parts.retry);
  }

  async function fetchAll<P, I>(
    page: (offset: number) => Promise<P>,
    itemsOf: (page: P) => I[],
    totalOf: (page: P) => number,
  ): Promise<I[]> {
    const all: I[] = [];
    for (let offset = 0; ;) {
      const current = await page(offset);
      const items = itemsOf(current);
      all.push(...items);
      offset += items.length;
      if (items.length === 0 || offset >= totalOf(current)) return all;
    }
  }

  return {
    async listAudiences(): Promise<MailchimpAudience[]> {
      const call = { endpoint: 'GET /lists' };
      const lists = await fetchAll(
        (offset) =>
          request(call, listsPageSchema, (api) =>
            api.getAllListsWithHttpInfo({
              count: MAILCHIMP_PAGE_SIZE,
              offset,
              fields: ['lists.id', 'lists.name', 'total_items'],
            }),
          ),
        (page) => page.lists,
        (page) => page.total_items,
      );
      return lists.map(({ id, name }) => ({ id, name }));
    },

    async getAudience(audienceId: string): Promise<MailchimpAudience> {
      const call = { endpoint: 'GET /lists/{list_id}', audienceId };
      const list = await request(call, listSchema, (api) =>
        api.getListWithHttpInfo(audienceId, { fields: ['id', 'name'] }),
      );
      return { id: list.id, name: list.name };
    },

    mergeFields(audienceId: string): Promise<MailchimpMergeField[]> {
      const call = { endpoint: 'GET /lists/{list_id}/merge-fields', audienceId };
      return fetchAll(
        (offset) =>
          request(call, mergeFieldsPageSchema, (api) =>
            api.getListMergeFieldsWithHttpInfo(audienceId, {
              count: MAILCHIMP_PAGE_SIZE,
              offset,
              exclude_fields: ['_links', 'merge_fields._links'],
            }),
          ),
        (page) => page.merge_fields,
        (page) => page.total_items,
      );
    },

    async memberPage(params: MailchimpMemberPageParams) {
      const call = { endpoint: 'GET /lists/{list_id}/members', audienceId: params.audienceId };
      const page = await request(call, membersPageSchema, (api) =>
        api.getListMembersInfoWithHttpInfo(params.audienceId, {
          count: Math.min(Math.max(1, params.count), MAILCHIMP_PAGE_SIZE),
          offset: params.offset,
          // Always a status: whether archived members come back without one is not documented.
          status: params.status,
          sort_field: 'last_changed',
          sort_dir: 'ASC',
          since_last_changed: params.sinceLastChanged,
          before_last_changed: params.beforeLastChanged,
          exclude_fields: ['_links', 'members._links'],
        }),
      );
      const stamp = (m: MailchimpMember | undefined) =>
        typeof m?.last_changed === 'string' && m.last_changed !== '' ? m.last_changed : null;
      return {
        members: page.members,
        totalItems: page.total_items,
        lastChanged: { first: stamp(page.members[0]), last: stamp(page.members.at(-1)) },
      };
    },

    segments(audienceId: string) {
      const call = { endpoint: 'GET /lists/{list_id}/segments', audienceId };
      return fetchAll(
        (offset) =>
          request(call, segmentsPageSchema, (api) =>
            api.listSegmentsWithHttpInfo(audienceId, {
              count: MAILCHIMP_PAGE_SIZE,
              offset,
              fields: SEGMENT_FIELDS,
            }),
          ),
        (page) => page.segments,
        (page) => page.total_items,
      );
    },

    async segmentMemberPage(params) {
      const call = {
        endpoint: 'GET /lists/{list_id}/segments/{segment_id}/members',
        audienceId: params.audienceId,
      };
      const page = await request(call, segmentMembersPageSchema, (api) =>
        api.getSegmentMembersListWithHttpInfo(params.audienceId, params.segmentId, {
          count: Math.min(Math.max(1, params.count), MAILCHIMP_PAGE_SIZE),
          offset: params.offset,
          // Lists are not consent: opted-out people stay in their segment's list. As strings: the SDK drops
          // a falsy option and sends the value as given.
          include_unsubscribed: 'true',
          include_cleaned: 'true',
          include_transactional: 'true',
          fields: ['members.email_address', 'total_items'],
        }),
      );
      return { emails: page.members.map((m) => m.email_address), totalItems: page.total_items };
    },
  };
}

const SEGMENT_FIELDS = [
  'segments.id',
  'segments.name',
  'segments.type',
  'segments.member_count',
  'total_items',
];

/**
 * The validated body. superagent leaves a non-JSON body (an HTML error page behind a 200, say) as text, and
 * the SDK hands over that text when the parsed body is empty: both end here as a MalformedResponseError, which
 * is sent once more and then fails the call with the first offending field (never the body itself).
 */
function parseBody<T>(result: SdkResult, schema: ZodType<T>, call: CallContext): T {
  let data = result.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      const type = result.response.type ? ` (${result.response.type})` : '';
      throw new MalformedResponseError('mailchimp', call.endpoint, 'body', `not JSON${type}`);
    }
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const { field, problem } = firstIssue(parsed.error.issues);
  throw new MalformedResponseError('mailchimp', call.endpoint, field, problem);
}
