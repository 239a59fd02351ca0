/**
 * Constant Contact v3 simulator (/v3 contacts, lists, custom fields, tags) plus its authorization server
 * (/oauth2/...). Facts: docs/constant-contact.md; shapes: ContactResource in https://api.cc.email/v3/swagger.yaml.
 */
import { json, Router, type SandboxRequest, type SandboxResponse, type VendorSim } from '../kit.ts';
import type {
  CcContactSeed,
  CcCustomFieldSeed,
  CcListSeed,
  CcPermission,
  CcTagSeed,
} from '../generator/types.ts';
import { contactFilter, renderContact } from './contacts.ts';
import { ccErrors, quotaExceeded, serverError, throttled, unauthorized } from './errors.ts';
import { CcLimits } from './limits.ts';
import { OAuthServer, type OAuthSettings } from './oauth.ts';
import { nextLink, readPage } from './paging.ts';
import { CcStore, type CcContactPatch } from './store.ts';

export { TOKEN_PATH, DEVICE_PATH, ACTIVATE_PATH } from './oauth.ts';
export { UNLIMITED } from './limits.ts';
export type { CcContactPatch } from './store.ts';

export interface ConstantContactSimOptions extends Partial<Omit<OAuthSettings, 'clientId' | 'clientSecret'>> {
  clientId: string;
  clientSecret: string;
  /** The first refresh token; with rotation it dies on first use. */
  refreshToken: string;
  /** Per application; the live limit is 4. */
  requestsPerSecond?: number;
  /** Per application per UTC day; the live limit is 10,000. */
  dailyQuota?: number;
  /**
   * Contact fields without a value and the last page's `_links`: sent as `null` (default) or left out.
   * The reference marks them optional without saying which; a client must accept both.
   */
  optionalFields?: 'null' | 'omit';
  data: {
    lists: CcListSeed[];
    customFields: CcCustomFieldSeed[];
    tags: CcTagSeed[];
    contacts: CcContactSeed[];
  };
}

export interface ConstantContactSim extends VendorSim {
  contacts(): readonly CcContactSeed[];
  contact(idOrEmail: string): CcContactSeed | undefined;
  /** Permission change without touching the contact's updated_at (the live quirk); opt_out_date is set. */
  setPermission(
    idOrEmail: string,
    permission: CcPermission,
    opts?: { source?: 'Account' | 'Contact'; reason?: string },
  ): CcContactSeed;
  unsubscribe(idOrEmail: string, opts?: { source?: 'Account' | 'Contact'; reason?: string }): CcContactSeed;
  changeEmail(idOrEmail: string, address: string): CcContactSeed;
  updateContact(idOrEmail: string, patch: CcContactPatch): CcContactSeed;
  deleteContact(idOrEmail: string): CcContactSeed;
  addContact(contact: CcContactSeed): void;
  approveDevice(userCode?: string, decision?: 'approved' | 'denied'): number;
  expireAccessTokens(): void;
  liveRefreshTokens(): string[];
  /** As if 00:00 UTC had passed: the daily quota starts again. */
  resetDay(): void;
  usedToday(): number;
  setOptions(
    patch: Partial<
      Pick<
        ConstantContactSimOptions,
        | 'requestsPerSecond'
        | 'dailyQuota'
        | 'accessTokenTtlSeconds'
        | 'autoApproveDevice'
        | 'devicePollIntervalSeconds'
        | 'refreshTokenMode'
        | 'optionalFields'
      >
    >,
  ): void;
  reset(): void;
}

const OPTIONAL_CONTACT_FIELDS = [
  'email_address',
  'first_name',
  'last_name',
  'job_title',
  'company_name',
  'birthday_month',
  'birthday_day',
  'deleted_at',
];

export function createConstantContactSim(options: ConstantContactSimOptions): ConstantContactSim {
  const shape = { optionalFields: options.optionalFields ?? 'null' };
  const withLinks = (
    body: Record<string, unknown>,
    links: { next?: { href: string } },
  ): Record<string, unknown> => {
    if (links.next) return { ...body, _links: links };
    return shape.optionalFields === 'null' ? { ...body, _links: null } : body;
  };
  const render = (c: CcContactSeed, include: Parameters<typeof renderContact>[1]) => {
    const out = renderContact(c, include);
    if (shape.optionalFields === 'null') {
      for (const field of OPTIONAL_CONTACT_FIELDS) if (!(field in out)) out[field] = null;
    }
    return out;
  };
  return buildSim(options, { withLinks, render, shape });
}

interface Rendering {
  withLinks: (body: Record<string, unknown>, links: { next?: { href: string } }) => Record<string, unknown>;
  render: (c: CcContactSeed, include: Parameters<typeof renderContact>[1]) => Record<string, unknown>;
  shape: { optionalFields: 'null' | 'omit' };
}

function buildSim(options: ConstantContactSimOptions, rendering: Rendering): ConstantContactSim {
  const { withLinks, render, shape } = rendering;
  const oauth = new OAuthServer(
    {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 86400,
      refreshTokenMode: options.refreshTokenMode ?? 'rotating',
      autoApproveDevice: options.autoApproveDevice ?? false,
      devicePollIntervalSeconds: options.devicePollIntervalSeconds ?? 5,
    },
    options.refreshToken,
  );
  const limits = new CcLimits({
    requestsPerSecond: options.requestsPerSecond ?? 4,
    dailyQuota: options.dailyQuota ?? 10_000,
  });
  const store = new CcStore(options.data.contacts);
  const { lists, customFields, tags } = options.data;
  const router = new Router();
  oauth.mount(router);

  router.add('GET', '/v3/contacts', (req) => {
    const page = readPage(req, { max: 500, fallback: 50 });
    if ('status' in page) return page;
    const filter = contactFilter(page.query);
    if ('status' in filter) return filter;
    const all = store.all();
    const contacts: Record<string, unknown>[] = [];
    // The cursor holds a position in the account's contact order, so a page costs O(limit), not O(offset).
    let nextPosition = -1;
    for (let pos = page.offset; pos < all.length; pos++) {
      const c = all[pos]!;
      if (!filter.matches(c)) continue;
      if (contacts.length === page.limit) {
        nextPosition = pos;
        break;
      }
      contacts.push(render(c, filter.include));
    }
    const body: Record<string, unknown> = { contacts };
    if (filter.includeCount) body.contacts_count = all.reduce((n, c) => n + (filter.matches(c) ? 1 : 0), 0);
    const links =
      nextPosition === -1
        ? {}
        : nextLink('/v3/contacts', { ...page, offset: nextPosition, limit: 0 }, Infinity);
    return json(200, withLinks(body, links));
  });

  router.add('GET', '/v3/contacts/:contactId', (req) => {
    const contact = store.all().find((c) => c.contact_id === req.params.contactId);
    if (!contact) return ccErrors(404, 'contacts.api.not.found', 'The contact does not exist.');
    const filter = contactFilter(new URLSearchParams({ include: req.query.get('include') ?? '' }));
    if ('status' in filter) return filter;
    return json(200, render(contact, filter.include));
  });

  router.add('GET', '/v3/contact_lists', (req) => {
    // "from 1 - 500" in the reference's description (its schema says 1000): the stricter one.
    // https://developer.constantcontact.com/api_reference/index.html#!/Contact_Lists/getLists
    const page = readPage(req, { max: 500, fallback: 50 });
    if ('status' in page) return page;
    const membership = page.query.get('include_membership_count');
    if (membership !== null && membership !== 'all' && membership !== 'active') {
      return ccErrors(400, 'query.param.invalid', "include_membership_count must be 'all' or 'active'.");
    }
    const name = page.query.get('name');
    const matching = lists.filter((l) => name === null || l.name === name);
    const rendered = matching.slice(page.offset, page.offset + page.limit).map((l) => {
      if (membership === null) return l;
      const count = store
        .all()
        .filter((c) => c.list_memberships.includes(l.list_id))
        .filter(
          (c) =>
            membership === 'all' ||
            ['implicit', 'explicit'].includes(c.email_address?.permission_to_send ?? ''),
        ).length;
      return { ...l, membership_count: count };
    });
    const body: Record<string, unknown> = { lists: rendered };
    if (page.query.get('include_count') === 'true') body.lists_count = matching.length;
    return json(200, withLinks(body, nextLink('/v3/contact_lists', page, matching.length)));
  });

  router.add('GET', '/v3/contact_lists/:listId', (req) => {
    const list = lists.find((l) => l.list_id === req.params.listId);
    return list ? json(200, list) : ccErrors(404, 'contact_lists.api.not.found', 'The list does not exist.');
  });

  router.add('GET', '/v3/contact_custom_fields', (req) => {
    const page = readPage(req, { max: 100, fallback: 50 });
    if ('status' in page) return page;
    const body = { custom_fields: customFields.slice(page.offset, page.offset + page.limit) };
    return json(200, withLinks(body, nextLink('/v3/contact_custom_fields', page, customFields.length)));
  });

  router.add('GET', '/v3/contact_tags', (req) => {
    const page = readPage(req, { max: 500, fallback: 50 });
    if ('status' in page) return page;
    const withCount = page.query.get('include_count') === 'true';
    const rendered = tags.slice(page.offset, page.offset + page.limit).map((t) =>
      withCount
        ? {
            ...t,
            contacts_count: store
              .all()
              .filter((c) => c.deleted_at === undefined && c.taggings.includes(t.tag_id)).length,
          }
        : t,
    );
    return json(200, withLinks({ tags: rendered }, nextLink('/v3/contact_tags', page, tags.length)));
  });

  const admit = (req: SandboxRequest): { reject: SandboxResponse } | { release?: () => void } => {
    if (!req.path.startsWith('/v3')) return {};
    const grant = oauth.verify(req.headers.authorization);
    if (grant === 'unauthorized') return { reject: unauthorized() };
    const verdict = limits.take(grant.clientId);
    if (verdict === 'throttled') return { reject: throttled() };
    if (verdict === 'quota_exceeded') return { reject: quotaExceeded() };
    return {};
  };

  const notFound = (): SandboxResponse => ccErrors(404, 'not.found', 'The requested resource was not found.');

  return {
    router,
    admit,
    tooManyRequests: throttled,
    serverError,
    notFound,
    methodNotAllowed: () =>
      ccErrors(405, 'method.not.allowed', 'The HTTP method is not supported for this resource.'),
    contacts: () => store.all(),
    contact: (idOrEmail) => store.find(idOrEmail),
    setPermission: (id, permission, opts) => store.setPermission(id, permission, opts),
    unsubscribe: (id, opts) => store.unsubscribe(id, opts),
    changeEmail: (id, address) => store.changeEmail(id, address),
    updateContact: (id, patch) => store.update(id, patch),
    deleteContact: (id) => store.delete(id),
    addContact: (contact) => store.add(contact),
    approveDevice: (code, decision) => oauth.approveDevice(code, decision),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    liveRefreshTokens: () => oauth.liveRefreshTokens(),
    resetDay: () => limits.resetDay(),
    usedToday: () => limits.usedToday(options.clientId),
    setOptions: (patch) => {
      limits.set(patch);
      if (patch.optionalFields) shape.optionalFields = patch.optionalFields;
      const { requestsPerSecond: _r, dailyQuota: _d, optionalFields: _o, ...rest } = patch;
      Object.assign(
        oauth.settings,
        Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      );
    },
    reset: () => {
      store.reset();
      oauth.reset();
      limits.reset();
    },
  };
}
