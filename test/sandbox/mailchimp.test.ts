import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { MailchimpListSeed, MailchimpMemberSeed } from '../../src/sandbox/generator/types.ts';

interface Member {
  id: string;
  email_address: string;
  status: string;
  last_changed: string;
  timestamp_opt: string;
  merge_fields: Record<string, unknown>;
  interests?: Record<string, boolean> | null;
  marketing_permissions?: unknown[] | null;
  unsubscribe_reason?: string | null;
  tags: { id: number; name: string }[];
  _links?: unknown;
}
interface MembersPage {
  members: Member[];
  total_items: number;
}
interface SdkError {
  status: number;
  response: {
    body: { type: string; title: string; status: number; detail: string; instance: string };
    headers: Record<string, string>;
  };
}

let sandbox: Sandbox;
let client: McClient;
let main: MailchimpListSeed;
let other: MailchimpListSeed;

/** The parts of the untyped official SDK these tests call; the SDK itself is used unchanged. */
interface McClient {
  basePath: string;
  setConfig(config: { apiKey: string }): void;
  ping: { get(): Promise<unknown> };
  lists: {
    getAllLists(opts?: object): Promise<{ total_items: number; lists: { id: string }[] }>;
    getList(id: string): Promise<{ stats: { member_count: number } }>;
    getListMembersInfo(id: string, opts: object): Promise<MembersPage>;
    getListMergeFields(
      id: string,
      opts?: object,
    ): Promise<{ merge_fields: { type: string }[]; total_items: number }>;
    getListInterestCategories(id: string): Promise<{ categories: { id: string }[] }>;
    getInterestCategory(id: string, categoryId: string): Promise<Record<string, unknown>>;
    listInterestCategoryInterests(id: string, categoryId: string): Promise<{ interests: { name: string }[] }>;
    listSegments(id: string, opts: object): Promise<{ segments: { name: string }[] }>;
    getListMemberTags(id: string, hash: string): Promise<{ tags: { name: string }[] }>;
  };
}

// A non-literal specifier: the SDK ships no types, and only the surface above is used.
const API_CLIENT_MODULE: string = '@mailchimp/mailchimp_marketing/src/ApiClient.js';

async function sdkClient(basePath: string, apiKey: string): Promise<McClient> {
  const ApiClient = ((await import(API_CLIENT_MODULE)) as { default: new () => McClient }).default;
  const c = new ApiClient();
  c.basePath = basePath;
  // No `server`: the SDK would rewrite "server" in the URL
  // (https://github.com/mailchimp/mailchimp-client-lib-codegen/issues/16).
  c.setConfig({ apiKey });
  return c;
}

const rejection = async (p: Promise<unknown>): Promise<SdkError> => {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail');
};

const members = (listId: string, opts: Record<string, unknown>): Promise<MembersPage> =>
  client.lists.getListMembersInfo(listId, opts);

const notArchived = (l: MailchimpListSeed): MailchimpMemberSeed[] =>
  l.members.filter((m) => m.status !== 'archived');

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 7,
    dataset: {
      mailchimp: { audiences: 2, membersPerAudience: 1200 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 0 },
    },
  });
  client = await sdkClient(`${sandbox.url}/3.0`, sandbox.env.MAILCHIMP_API_KEY!);
  [main, other] = sandbox.dataset.mailchimp.lists as [MailchimpListSeed, MailchimpListSeed];
});

afterAll(async () => {
  await sandbox.close();
});

describe('Mailchimp simulator through the official SDK', () => {
  it('answers ping and lists with the key as Basic-auth password', async () => {
    expect(await client.ping.get()).toEqual({ health_status: "Everything's Chimpy!" });
    const lists = await client.lists.getAllLists({ count: 1000 });
    expect(lists.total_items).toBe(2);
    expect(lists.lists.map((l: { id: string }) => l.id)).toEqual([main.id, other.id]);
    const one = await client.lists.getList(main.id);
    expect(one.stats.member_count).toBe(main.members.filter((m) => m.status === 'subscribed').length);
  });

  it('refuses a wrong key with 401 problem+json "API Key Invalid"', async () => {
    const bad = await sdkClient(`${sandbox.url}/3.0`, 'wrongsandboxkey-us1');
    const err = await rejection(bad.ping.get());
    expect(err.status).toBe(401);
    expect(err.response.headers['content-type']).toContain('application/problem+json');
    expect(err.response.body).toEqual({
      type: expect.any(String),
      title: 'API Key Invalid',
      status: 401,
      detail: expect.any(String),
      instance: expect.any(String),
    });
  });

  it('answers an unknown list with 404 Resource Not Found', async () => {
    const err = await rejection(client.lists.getListMembersInfo('nope123456', {}));
    expect(err.status).toBe(404);
    expect(err.response.body.title).toBe('Resource Not Found');
  });

  it('caps count at 1000 silently and counts every match in total_items', async () => {
    const page = await members(main.id, { count: 5000 });
    expect(page.members).toHaveLength(1000);
    expect(page.total_items).toBe(notArchived(main).length);
    expect(page.total_items).toBeGreaterThan(1000);
    const defaultPage = await members(main.id, {});
    expect(defaultPage.members).toHaveLength(10);
  });

  it('pages by offset through every non-archived member, in a stable order', async () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await members(main.id, {
        count: 500,
        offset,
        fields: ['members.email_address', 'total_items'],
      });
      seen.push(...page.members.map((m) => m.email_address));
      if (offset + 500 >= page.total_items) break;
    }
    expect(seen).toEqual(notArchived(main).map((m) => m.email_address));
  });

  it('returns archived members only when status=archived is asked for', async () => {
    const archived = main.members.filter((m) => m.status === 'archived');
    expect(archived.length).toBeGreaterThan(0);
    const all = await members(main.id, { count: 1000, fields: ['members.status', 'total_items'] });
    expect(all.members.some((m) => m.status === 'archived')).toBe(false);
    const only = await members(main.id, { status: 'archived', count: 1000 });
    expect(only.total_items).toBe(archived.length);
    expect(new Set(only.members.map((m) => m.status))).toEqual(new Set(['archived']));
  });

  it('filters each of the six statuses and rejects an unknown one with 400', async () => {
    for (const status of ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional', 'archived']) {
      const page = await members(main.id, { status, count: 1 });
      expect(page.total_items).toBe(main.members.filter((m) => m.status === status).length);
      expect(page.total_items).toBeGreaterThan(0);
    }
    const err = await rejection(members(main.id, { status: 'active' }));
    expect(err.status).toBe(400);
    expect(err.response.body.title).toBe('Invalid Resource');
  });

  it('treats since_last_changed and before_last_changed as exclusive, at second precision', async () => {
    // Bulk imports give many members the same second; pick such a second.
    const bySecond = new Map<string, number>();
    for (const m of notArchived(main)) bySecond.set(m.last_changed, (bySecond.get(m.last_changed) ?? 0) + 1);
    const [stamp, sharing] = [...bySecond.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(sharing).toBeGreaterThan(1);
    const after = await members(main.id, { sinceLastChanged: stamp, count: 1000 });
    expect(after.members.some((m) => m.last_changed === stamp)).toBe(false);
    expect(after.total_items).toBe(notArchived(main).filter((m) => m.last_changed > stamp).length);
    const oneSecondEarlier = new Date(Date.parse(stamp) - 1000).toISOString().replace('.000Z', '+00:00');
    const including = await members(main.id, { sinceLastChanged: oneSecondEarlier, count: 1000 });
    expect(including.members.filter((m) => m.last_changed === stamp)).toHaveLength(sharing);
    const before = await members(main.id, { beforeLastChanged: stamp, count: 1 });
    expect(before.total_items).toBe(notArchived(main).filter((m) => m.last_changed < stamp).length);
  });

  it('sorts by last_changed both ways', async () => {
    const asc = await members(main.id, { sortField: 'last_changed', sortDir: 'ASC', count: 1000 });
    const stamps = asc.members.map((m) => Date.parse(m.last_changed));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    const desc = await members(main.id, { sortField: 'last_changed', sortDir: 'DESC', count: 5 });
    expect(Date.parse(desc.members[0]!.last_changed)).toBe(
      Math.max(...notArchived(main).map((m) => Date.parse(m.last_changed))),
    );
  });

  it('applies fields and exclude_fields with dot paths', async () => {
    const picked = (await members(main.id, {
      fields: ['members.email_address', 'members.status'],
      count: 3,
    })) as unknown as Record<string, unknown>;
    expect(Object.keys(picked)).toEqual(['members']);
    expect((picked.members as object[]).every((m) => Object.keys(m).join() === 'email_address,status')).toBe(
      true,
    );
    const trimmed = (await members(main.id, {
      excludeFields: ['members._links', '_links'],
      count: 3,
    })) as unknown as Record<string, unknown>;
    expect(trimmed._links).toBeUndefined();
    expect(trimmed.total_items).toBeGreaterThan(0);
    expect((trimmed.members as Member[]).every((m) => m._links === undefined && m.email_address)).toBe(true);
  });

  it('renders members as the live API does', async () => {
    const page = await members(main.id, { count: 1000 });
    for (const m of page.members) {
      expect(m.id).toBe(createHash('md5').update(m.email_address.toLowerCase()).digest('hex'));
      expect(typeof m.timestamp_opt).toBe('string');
      expect(m.last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      expect(m.unsubscribe_reason != null).toBe(m.status === 'unsubscribed');
      const address = m.merge_fields.ADDRESS;
      expect(address === '' || (typeof address === 'object' && address !== null)).toBe(true);
      if (address !== '') {
        expect(Object.keys(address as object).sort()).toEqual([
          'addr1',
          'addr2',
          'city',
          'country',
          'state',
          'zip',
        ]);
      }
    }
    expect(page.members.some((m) => m.timestamp_opt === '')).toBe(true);
    expect(page.members.some((m) => m.email_address !== m.email_address.toLowerCase())).toBe(true);
    // The main list has interest groups and GDPR; the other has neither, so the keys are absent there.
    expect(page.members.every((m) => m.interests && m.marketing_permissions)).toBe(true);
    const second = await members(other.id, { count: 50 });
    expect(second.members.every((m) => m.interests == null && m.marketing_permissions == null)).toBe(true);
  });

  it('serves merge fields (paged, default 10), interest categories, interests, segments and member tags', async () => {
    const firstPage = await client.lists.getListMergeFields(main.id);
    expect(firstPage.merge_fields).toHaveLength(10);
    expect(firstPage.total_items).toBe(12);
    const all = await client.lists.getListMergeFields(main.id, { count: 100 });
    expect(new Set(all.merge_fields.map((f: { type: string }) => f.type))).toEqual(
      new Set([
        'text',
        'number',
        'address',
        'phone',
        'date',
        'birthday',
        'url',
        'imageurl',
        'radio',
        'dropdown',
        'zip',
      ]),
    );
    const cats = await client.lists.getListInterestCategories(main.id);
    expect(cats.categories.length).toBe(main.interestCategories.length);
    const category = main.interestCategories[0]!;
    expect(await client.lists.getInterestCategory(main.id, category.id)).toEqual({
      list_id: main.id,
      id: category.id,
      title: category.title,
      display_order: category.display_order,
      type: category.type,
      _links: expect.arrayContaining([expect.objectContaining({ rel: 'self', method: 'GET' })]),
    });
    const interests = await client.lists.listInterestCategoryInterests(main.id, cats.categories[0]!.id);
    expect(interests.interests.map((i: { name: string }) => i.name)).toEqual(
      main.interestCategories[0]!.interests.map((i) => i.name),
    );
    const segments = await client.lists.listSegments(main.id, { count: 100 });
    expect(segments.segments.map((s: { name: string }) => s.name)).toEqual(main.tags.map((t) => t.name));
    const tagged = main.members.find((m) => m.tags.length > 1)!;
    const tags = await client.lists.getListMemberTags(
      main.id,
      createHash('md5').update(tagged.email_address.toLowerCase()).digest('hex'),
    );
    expect(tags.tags.map((t: { name: string }) => t.name)).toEqual(tagged.tags.map((t) => t.name));
  });

  it('answers the 11th simultaneous request with 429 problem+json', async () => {
    sandbox.faults.set({ mailchimp: { latencyMs: 300 } });
    try {
      const results = await Promise.allSettled(Array.from({ length: 11 }, () => client.ping.get()));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as SdkError);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.status).toBe(429);
      expect(refused[0]!.response.body.title).toBe('Too Many Requests');
      // Slots are released once responses are sent.
      await expect(Promise.all(Array.from({ length: 10 }, () => client.ping.get()))).resolves.toHaveLength(
        10,
      );
    } finally {
      sandbox.faults.clear('mailchimp');
    }
  });

  it('lets tests change members at run time, bumping last_changed for incremental reads', async () => {
    const latest = Math.max(...main.members.map((m) => Date.parse(m.last_changed)));
    const bookmark = new Date(latest).toISOString().replace('.000Z', '+00:00');
    expect((await members(main.id, { sinceLastChanged: bookmark })).total_items).toBe(0);
    const target = main.members.find((m) => m.status === 'subscribed')!;
    sandbox.mailchimp.updateMember(main.id, target.email_address, {
      status: 'unsubscribed',
      merge_fields: { FNAME: 'Changed' },
    });
    const changed = await members(main.id, { sinceLastChanged: bookmark });
    expect(
      changed.members.map((m) => [m.email_address, m.status, m.merge_fields.FNAME, m.unsubscribe_reason]),
    ).toEqual([[target.email_address, 'unsubscribed', 'Changed', 'N/A (Unsubscribed by admin)']]);
    // The dataset keeps the generated values.
    expect(target.status).toBe('subscribed');
    sandbox.mailchimp.updateMember(main.id, target.email_address, { status: 'archived' });
    expect((await members(main.id, { sinceLastChanged: bookmark })).total_items).toBe(0);
    expect((await members(main.id, { sinceLastChanged: bookmark, status: 'archived' })).total_items).toBe(1);
    sandbox.mailchimp.reset();
    expect((await members(main.id, { sinceLastChanged: bookmark, status: 'archived' })).total_items).toBe(0);
  });
});
