/**
 * Mailchimp Marketing API v3 simulator (read side of audiences, members and segments) under /3.0.
 * Facts and their sources: docs/mailchimp.md. Writes are not simulated; tests edit members through the admin API.
 */
import { json, Router, type SandboxRequest, type SandboxResponse, type VendorSim } from '../kit.ts';
import type { MailchimpListSeed, MailchimpMemberSeed } from '../generator/types.ts';
import { project } from './fields.ts';
import { notFound, problem, serverError, tooManyRequests } from './problem.ts';
import { paging, queryMembers } from './query.ts';
import { renderList, renderMember } from './render.ts';
import { addSegmentRoutes } from './segments.ts';
import { MailchimpStore, type MemberPatch } from './store.ts';

export { subscriberHash, type MemberPatch } from './store.ts';

export interface MailchimpSimOptions {
  /** The API key clients must send as the Basic-auth password. */
  apiKey: string;
  /** Simultaneous requests per key before 429 (the live limit is 10). */
  maxConcurrent?: number;
  /**
   * Member fields that have no value (unsubscribe_reason, interests, marketing_permissions): sent as `null`
   * (default) or left out. Mailchimp documents neither; a client must accept both.
   */
  optionalFields?: 'null' | 'omit';
  /**
   * since_last_changed keeps members changed exactly at that second (default false: exclusive). Mailchimp's
   * reference says only "after", so a client must work either way.
   * https://mailchimp.com/developer/marketing/api/list-members/list-members-info/
   */
  sinceInclusive?: boolean;
  lists: MailchimpListSeed[];
}

export interface MailchimpSim extends VendorSim {
  /** Current members of a list (after run-time edits). */
  members(listId: string): MailchimpMemberSeed[];
  listIds(): string[];
  /** Changes a member and bumps last_changed (to now unless patch.last_changed says otherwise). */
  updateMember(listId: string, hashOrEmail: string, patch: MemberPatch): MailchimpMemberSeed;
  addMember(listId: string, member: MailchimpMemberSeed): void;
  deletePermanently(listId: string, hashOrEmail: string): void;
  /** A saved segment with these members (addresses or hashes); returns its id. */
  addSavedSegment(listId: string, name: string, members: string[]): number;
  /** Replaces a saved segment's members. */
  setSegmentMembers(listId: string, segmentId: number, members: string[]): void;
  setOptions(
    patch: Partial<
      Pick<MailchimpSimOptions, 'apiKey' | 'maxConcurrent' | 'optionalFields' | 'sinceInclusive'>
    >,
  ): void;
  /** Requests being served right now (what the concurrency limit counts). */
  inFlight(): number;
  reset(): void;
}

const ok = (req: SandboxRequest, body: unknown): SandboxResponse => json(200, project(body, req.query));

const baseUrl = (req: SandboxRequest): string => `http://${req.headers.host ?? '127.0.0.1'}/3.0`;

/** The API key from "Authorization: Basic base64(anyuser:key)"; the SDK sends user "user". */
function apiKeyOf(req: SandboxRequest): string | null {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

const collectionLinks = (base: string, path: string) => [
  { rel: 'self', href: `${base}${path}`, method: 'GET' },
  { rel: 'parent', href: `${base}${path.replace(/\/[^/]+$/, '')}`, method: 'GET' },
];

export function createMailchimpSim(options: MailchimpSimOptions): MailchimpSim {
  const settings = {
    apiKey: options.apiKey,
    maxConcurrent: options.maxConcurrent ?? 10,
    optionalFields: options.optionalFields ?? 'null',
    sinceInclusive: options.sinceInclusive ?? false,
  };
  const store = new MailchimpStore(options.lists);
  let inFlight = 0;
  const router = new Router();

  const withList = (
    req: SandboxRequest,
    fn: (state: NonNullable<ReturnType<MailchimpStore['list']>>) => SandboxResponse,
  ) => {
    const state = store.list(req.params.listId ?? '');
    return state ? fn(state) : notFound();
  };

  router.add('GET', '/3.0/ping', () => json(200, { health_status: "Everything's Chimpy!" }));

  router.add('GET', '/3.0/lists', (req) => {
    const { count, offset } = paging(req.query);
    const all = store.allLists();
    const withTotal = req.query.get('include_total_contacts') === 'true';
    return ok(req, {
      lists: all.slice(offset, offset + count).map((s) => renderList(baseUrl(req), s, withTotal)),
      total_items: all.length,
      constraints: { may_create: true, max_instances: 100, current_total_instances: all.length },
      _links: collectionLinks(baseUrl(req), '/lists'),
    });
  });

  router.add('GET', '/3.0/lists/:listId', (req) =>
    withList(req, (s) =>
      ok(req, renderList(baseUrl(req), s, req.query.get('include_total_contacts') === 'true')),
    ),
  );

  router.add('GET', '/3.0/lists/:listId/members', (req) =>
    withList(req, (s) => {
      const result = queryMembers(s, req.query, settings.sinceInclusive);
      if ('status' in result) return result;
      const base = baseUrl(req);
      return ok(req, {
        members: result.members.map((m) => renderMember(base, s.list.id, m, settings.optionalFields)),
        list_id: s.list.id,
        total_items: result.totalItems,
        _links: collectionLinks(base, `/lists/${s.list.id}/members`),
      });
    }),
  );

  router.add('GET', '/3.0/lists/:listId/members/:hash', (req) =>
    withList(req, (s) => {
      const m = store.member(s.list.id, req.params.hash ?? '');
      return m ? ok(req, renderMember(baseUrl(req), s.list.id, m, settings.optionalFields)) : notFound();
    }),
  );

  router.add('GET', '/3.0/lists/:listId/members/:hash/tags', (req) =>
    withList(req, (s) => {
      const m = store.member(s.list.id, req.params.hash ?? '');
      if (!m) return notFound();
      const { count, offset } = paging(req.query);
      return ok(req, {
        tags: m.seed.tags
          .slice(offset, offset + count)
          .map((t) => ({ ...t, date_added: m.seed.last_changed })),
        total_items: m.seed.tags.length,
        _links: collectionLinks(baseUrl(req), `/lists/${s.list.id}/members/${m.hash}/tags`),
      });
    }),
  );

  router.add('GET', '/3.0/lists/:listId/merge-fields', (req) =>
    withList(req, (s) => {
      const { count, offset } = paging(req.query);
      const fields = s.list.mergeFields.filter(
        (f) => !req.query.get('type') || f.type === req.query.get('type'),
      );
      return ok(req, {
        merge_fields: fields.slice(offset, offset + count).map((f) => ({ ...f, list_id: s.list.id })),
        list_id: s.list.id,
        total_items: fields.length,
        _links: collectionLinks(baseUrl(req), `/lists/${s.list.id}/merge-fields`),
      });
    }),
  );

  router.add('GET', '/3.0/lists/:listId/interest-categories', (req) =>
    withList(req, (s) => {
      const { count, offset } = paging(req.query);
      const cats = s.list.interestCategories;
      return ok(req, {
        list_id: s.list.id,
        categories: cats
          .slice(offset, offset + count)
          .map(({ interests: _i, ...c }) => ({ list_id: s.list.id, ...c })),
        total_items: cats.length,
        _links: collectionLinks(baseUrl(req), `/lists/${s.list.id}/interest-categories`),
      });
    }),
  );

  // https://mailchimp.com/developer/marketing/api/interest-categories/get-interest-category-info/
  router.add('GET', '/3.0/lists/:listId/interest-categories/:categoryId', (req) =>
    withList(req, (s) => {
      const cat = s.list.interestCategories.find((c) => c.id === req.params.categoryId);
      if (!cat) return notFound();
      const path = `/lists/${s.list.id}/interest-categories/${cat.id}`;
      const base = baseUrl(req);
      return ok(req, {
        list_id: s.list.id,
        id: cat.id,
        title: cat.title,
        display_order: cat.display_order,
        type: cat.type,
        _links: [
          { rel: 'self', href: `${base}${path}`, method: 'GET' },
          { rel: 'parent', href: `${base}/lists/${s.list.id}/interest-categories`, method: 'GET' },
          { rel: 'interests', href: `${base}${path}/interests`, method: 'GET' },
        ],
      });
    }),
  );

  router.add('GET', '/3.0/lists/:listId/interest-categories/:categoryId/interests', (req) =>
    withList(req, (s) => {
      const cat = s.list.interestCategories.find((c) => c.id === req.params.categoryId);
      if (!cat) return notFound();
      const { count, offset } = paging(req.query);
      const counts = new Map<string, number>();
      for (const m of s.members) {
        if (m.seed.status !== 'subscribed' || !m.seed.interests) continue;
        for (const i of cat.interests) {
          if (m.seed.interests[i.id]) counts.set(i.id, (counts.get(i.id) ?? 0) + 1);
        }
      }
      return ok(req, {
        interests: cat.interests.slice(offset, offset + count).map((i) => ({
          category_id: cat.id,
          list_id: s.list.id,
          id: i.id,
          name: i.name,
          subscriber_count: String(counts.get(i.id) ?? 0),
          display_order: i.display_order,
        })),
        list_id: s.list.id,
        category_id: cat.id,
        total_items: cat.interests.length,
        _links: collectionLinks(baseUrl(req), `/lists/${s.list.id}/interest-categories/${cat.id}/interests`),
      });
    }),
  );

  addSegmentRoutes(router, {
    withList,
    ok,
    baseUrl,
    optionalFields: () => settings.optionalFields,
  });

  const admit: VendorSim['admit'] = (req) => {
    const key = apiKeyOf(req);
    if (key === null) {
      return { reject: problem(401, 'API Key Missing', 'Your request did not include an API key.') };
    }
    if (key !== settings.apiKey) {
      return {
        reject: problem(
          401,
          'API Key Invalid',
          "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        ),
      };
    }
    if (inFlight >= settings.maxConcurrent) return { reject: tooManyRequests() };
    inFlight++;
    return { release: () => void inFlight-- };
  };

  return {
    router,
    admit,
    tooManyRequests,
    serverError,
    notFound: () => notFound(),
    methodNotAllowed: () =>
      problem(
        405,
        'Method Not Allowed',
        "The requested method and resource are not compatible. See the Allow header for this resource's available methods.",
      ),
    members: (listId) => store.list(listId)?.members.map((m) => m.seed) ?? [],
    listIds: () => store.allLists().map((s) => s.list.id),
    updateMember: (listId, hashOrEmail, patch) => store.updateMember(listId, hashOrEmail, patch),
    addMember: (listId, member) => store.addMember(listId, member),
    deletePermanently: (listId, hashOrEmail) => store.deletePermanently(listId, hashOrEmail),
    addSavedSegment: (listId, name, members) => store.addSavedSegment(listId, name, members),
    setSegmentMembers: (listId, segmentId, members) => store.setSegmentMembers(listId, segmentId, members),
    setOptions: (patch) =>
      Object.assign(settings, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))),
    inFlight: () => inFlight,
    reset: () => store.reset(),
  };
}
