/**
 * Segments of an audience and their members, as Mailchimp serves them:
 * - GET /lists/{list_id}/segments: static segments (Mailchimp's tags) and saved segments, filtered by `type`
 *   (saved, static or fuzzy); `member_count` counts subscribed members only ("active subscribers").
 *   https://mailchimp.com/developer/marketing/api/list-segments/list-segments/
 * - GET /lists/{list_id}/segments/{segment_id}: one segment.
 * - GET /lists/{list_id}/segments/{segment_id}/members: the segment's members, paged (count 1–1000); only
 *   subscribed and pending ones unless include_unsubscribed, include_cleaned, include_transactional say
 *   otherwise; archived members are never in a segment.
 *   https://mailchimp.com/developer/marketing/api/list-segment-members/list-members-in-segment/
 * Saved segments are held as member sets that tests set (their conditions are not simulated).
 */
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import type { MailchimpStatus } from '../generator/types.ts';
import { notFound } from './problem.ts';
import { booleanParam, enumError, strictPaging } from './query.ts';
import { renderMember } from './render.ts';
import type { ListState, StoredMember } from './store.ts';

const SEGMENT_TYPES = ['saved', 'static', 'fuzzy'] as const;

interface Segment {
  id: number;
  name: string;
  type: 'saved' | 'static';
  createdAt: string;
  has: (m: StoredMember) => boolean;
}

/** Static segments (tags) first, then saved ones, in the order they were made. */
function segmentsOf(s: ListState): Segment[] {
  const tags = s.list.tags.map((t): Segment => ({
    id: t.id,
    name: t.name,
    type: 'static',
    createdAt: s.list.date_created,
    has: (m) => m.seed.tags.some((x) => x.id === t.id),
  }));
  const saved = s.savedSegments.map((g): Segment => ({
    id: g.id,
    name: g.name,
    type: 'saved',
    createdAt: g.createdAt,
    has: (m) => g.hashes.has(m.hash),
  }));
  return [...tags, ...saved];
}

export interface SegmentRouteHelpers {
  withList: (req: SandboxRequest, fn: (s: ListState) => SandboxResponse) => SandboxResponse;
  ok: (req: SandboxRequest, body: unknown) => SandboxResponse;
  baseUrl: (req: SandboxRequest) => string;
  optionalFields: () => 'null' | 'omit';
}

const isError = (v: unknown): v is SandboxResponse =>
  typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

export function addSegmentRoutes(router: Router, h: SegmentRouteHelpers): void {
  const render = (req: SandboxRequest, s: ListState, g: Segment) => {
    const base = h.baseUrl(req);
    const path = `/lists/${s.list.id}/segments/${g.id}`;
    return {
      id: g.id,
      name: g.name,
      member_count: s.members.filter((m) => m.seed.status === 'subscribed' && g.has(m)).length,
      type: g.type,
      created_at: g.createdAt,
      updated_at: g.createdAt,
      options: g.type === 'saved' ? { match: 'all', conditions: [] } : undefined,
      list_id: s.list.id,
      _links: [
        { rel: 'self', href: `${base}${path}`, method: 'GET' },
        { rel: 'members', href: `${base}${path}/members`, method: 'GET' },
      ],
    };
  };
  const segment = (s: ListState, id: string | undefined) => segmentsOf(s).find((g) => String(g.id) === id);

  router.add('GET', '/3.0/lists/:listId/segments', (req) =>
    h.withList(req, (s) => {
      const paging = strictPaging(req.query);
      if (isError(paging)) return paging;
      const type = req.query.get('type');
      if (type !== null && !(SEGMENT_TYPES as readonly string[]).includes(type)) return enumError('type');
      const all = segmentsOf(s).filter((g) => type === null || g.type === type);
      return h.ok(req, {
        segments: all.slice(paging.offset, paging.offset + paging.count).map((g) => render(req, s, g)),
        list_id: s.list.id,
        total_items: all.length,
        _links: [{ rel: 'self', href: `${h.baseUrl(req)}/lists/${s.list.id}/segments`, method: 'GET' }],
      });
    }),
  );

  router.add('GET', '/3.0/lists/:listId/segments/:segmentId', (req) =>
    h.withList(req, (s) => {
      const g = segment(s, req.params.segmentId);
      return g ? h.ok(req, render(req, s, g)) : notFound();
    }),
  );

  router.add('GET', '/3.0/lists/:listId/segments/:segmentId/members', (req) =>
    h.withList(req, (s) => {
      const g = segment(s, req.params.segmentId);
      if (!g) return notFound();
      const paging = strictPaging(req.query);
      if (isError(paging)) return paging;
      const shown = new Set<MailchimpStatus>(['subscribed', 'pending']);
      for (const [param, status] of [
        ['include_unsubscribed', 'unsubscribed'],
        ['include_cleaned', 'cleaned'],
        ['include_transactional', 'transactional'],
      ] as const) {
        const include = booleanParam(req.query, param);
        if (isError(include)) return include;
        if (include) shown.add(status);
      }
      const all = s.members.filter((m) => shown.has(m.seed.status) && g.has(m));
      const base = h.baseUrl(req);
      return h.ok(req, {
        members: all
          .slice(paging.offset, paging.offset + paging.count)
          .map((m) => renderMember(base, s.list.id, m, h.optionalFields())),
        total_items: all.length,
        _links: [{ rel: 'self', href: `${base}/lists/${s.list.id}/segments/${g.id}/members`, method: 'GET' }],
      });
    }),
  );
}
