import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { CcContactSeed } from '../../src/sandbox/generator/types.ts';

interface ContactsPage {
  contacts: Record<string, unknown>[];
  contacts_count?: number;
  _links?: { next?: { href: string } };
}

/** Response bodies are checked field by field, so unknown is enough. */
type Body = Record<string, unknown>;

let sandbox: Sandbox;
let http: AxiosInstance;
let seeds: CcContactSeed[];

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function refresh(
  refreshToken: string,
  auth = basic(sandbox.env.CONSTANT_CONTACT_CLIENT_ID!, sandbox.env.CONSTANT_CONTACT_CLIENT_SECRET!),
) {
  return http.post<Body>(
    sandbox.env.CONSTANT_CONTACT_TOKEN_URL!,
    new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    { headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } },
  );
}

let liveRefresh: string;
async function accessToken(): Promise<string> {
  const res = await refresh(liveRefresh);
  expect(res.status).toBe(200);
  liveRefresh = res.data.refresh_token as string;
  return res.data.access_token as string;
}

let token: string;
const api = <T = Body>(path: string, bearer = token): Promise<AxiosResponse<T>> =>
  http.get<T>(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

const notDeleted = () => seeds.filter((c) => c.deleted_at === undefined);

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 11,
    dataset: {
      mailchimp: { audiences: 0 },
      constantContact: { contacts: 1200 },
      hubspotPreexisting: { contacts: 0 },
    },
    constantContact: { requestsPerSecond: 1000 },
  });
  http = axios.create({ validateStatus: () => true });
  seeds = sandbox.dataset.constantContact.contacts;
  liveRefresh = sandbox.env.CONSTANT_CONTACT_REFRESH_TOKEN!;
  token = await accessToken();
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.constantContact.setOptions({
    requestsPerSecond: 1000,
    dailyQuota: 10_000,
    accessTokenTtlSeconds: 86400,
  });
  sandbox.constantContact.resetDay();
});

describe('Constant Contact OAuth', () => {
  it('rotates refresh tokens: a used one is dead afterwards (400 invalid_grant)', async () => {
    const used = liveRefresh;
    const first = await refresh(used);
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({
      token_type: 'Bearer',
      expires_in: 86400,
      scope: expect.stringContaining('contact_data'),
    });
    expect(first.data.refresh_token).not.toBe(used);
    const again = await refresh(used);
    expect(again.status).toBe(400);
    expect(again.data).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    liveRefresh = first.data.refresh_token as string;
    expect((await refresh(liveRefresh)).status).toBe(200);
    liveRefresh = sandbox.constantContact.liveRefreshTokens()[0]!;
  });

  it('demands the client credentials as Basic auth', async () => {
    const wrong = await refresh(liveRefresh, basic(sandbox.env.CONSTANT_CONTACT_CLIENT_ID!, 'nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.data.error).toBe('invalid_client');
    const none = await http.post<Body>(
      `${sandbox.env.CONSTANT_CONTACT_TOKEN_URL}?grant_type=refresh_token&refresh_token=${liveRefresh}`,
    );
    expect(none.status).toBe(401);
    // The refusals did not consume the token.
    expect(sandbox.constantContact.liveRefreshTokens()).toEqual([liveRefresh]);
  });

  it('issues JWT-shaped access tokens that expire; expired and unknown tokens get 401', async () => {
    sandbox.constantContact.setOptions({ accessTokenTtlSeconds: 1 });
    const short = await accessToken();
    const payload = JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
      iat: number;
    };
    expect(payload.exp - payload.iat).toBe(1);
    expect((await api('/v3/contacts?limit=1', short)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await api('/v3/contacts?limit=1', short);
    expect(expired.status).toBe(401);
    expect(expired.data).toEqual({ error_key: 'unauthorized', error_message: 'Unauthorized' });
    expect((await api('/v3/contacts?limit=1', 'made-up')).status).toBe(401);
    expect((await http.get(`${sandbox.url}/v3/contacts`)).status).toBe(401);
  });

  it('runs the device flow: pending, slow_down, approval, then tokens for a public client', async () => {
    const clientId = sandbox.env.CONSTANT_CONTACT_CLIENT_ID!;
    const auth = await http.post<Body>(
      `${sandbox.url}/oauth2/default/v1/device/authorize`,
      new URLSearchParams({ client_id: clientId, scope: 'contact_data offline_access' }).toString(),
      { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    );
    expect(auth.status).toBe(200);
    expect(auth.data).toMatchObject({
      device_code: expect.any(String),
      user_code: expect.any(String),
      verification_uri: expect.any(String),
      interval: 5,
    });
    const poll = () =>
      http.post<Body>(
        sandbox.env.CONSTANT_CONTACT_TOKEN_URL!,
        new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          client_id: clientId,
          device_code: auth.data.device_code as string,
        }).toString(),
        { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      );
    expect((await poll()).data.error).toBe('authorization_pending');
    expect((await poll()).data.error).toBe('slow_down');
    sandbox.constantContact.setOptions({ devicePollIntervalSeconds: 0 });
    const approve = await http.get(auth.data.verification_uri_complete as string);
    expect(approve.status).toBe(200);
    const done = await poll();
    expect(done.status).toBe(200);
    expect(done.data.refresh_token).toEqual(expect.any(String));
    expect((await poll()).data.error).toBe('invalid_grant');
    // A public client refreshes with client_id and no secret.
    const refreshed = await http.post<Body>(
      sandbox.env.CONSTANT_CONTACT_TOKEN_URL!,
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: done.data.refresh_token as string,
        client_id: clientId,
      }).toString(),
      { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    );
    expect(refreshed.status).toBe(200);
    sandbox.constantContact.setOptions({ devicePollIntervalSeconds: 5 });
  });
});

describe('GET /v3/contacts', () => {
  it('rejects a limit outside 1–500 with a 400 error array', async () => {
    for (const limit of [501, 0, 'x']) {
      const res = await api(`/v3/contacts?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.data).toEqual([
        { error_key: expect.any(String), error_message: expect.stringContaining('limit') },
      ]);
    }
    expect((await api('/v3/contacts?limit=500')).data.contacts).toHaveLength(500);
    expect((await api('/v3/contacts')).data.contacts).toHaveLength(50);
  });

  it('pages with a relative next href until it is absent, covering every non-deleted contact once', async () => {
    const ids: string[] = [];
    let path: string | undefined = '/v3/contacts?limit=500&include_count=true';
    let pages = 0;
    while (path) {
      expect(path.startsWith('/v3/contacts?cursor=') || pages === 0).toBe(true);
      const page: ContactsPage = (await api<ContactsPage>(path)).data;
      ids.push(...page.contacts.map((c) => c.contact_id as string));
      expect(page.contacts_count).toBe(notDeleted().length);
      path = page._links?.next?.href;
      pages++;
    }
    expect(pages).toBe(Math.ceil(notDeleted().length / 500));
    expect(ids).toEqual(notDeleted().map((c) => c.contact_id));
  });

  it('returns deleted contacts (with a date-only deleted_at) only for status=all or deleted', async () => {
    const deleted = seeds.filter((c) => c.deleted_at !== undefined);
    expect(deleted.length).toBeGreaterThan(0);
    const plain = (await api<ContactsPage>('/v3/contacts?limit=500&include_count=true')).data;
    // Null or absent: the sandbox sends optional fields as null unless told to leave them out.
    expect(plain.contacts.some((c) => c.deleted_at != null)).toBe(false);
    const onlyDeleted = (await api<ContactsPage>('/v3/contacts?limit=500&status=deleted&include_count=true'))
      .data;
    expect(onlyDeleted.contacts_count).toBe(deleted.length);
    expect(onlyDeleted.contacts.every((c) => /^\d{4}-\d\d-\d\d$/.test(c.deleted_at as string))).toBe(true);
    const all = (await api<ContactsPage>('/v3/contacts?limit=1&status=all&include_count=true')).data;
    expect(all.contacts_count).toBe(seeds.length);
  });

  it('has all six permissions, SMS-only contacts without email_address, and filters by status CSV', async () => {
    const everyone: Record<string, unknown>[] = [];
    let path: string | undefined = '/v3/contacts?limit=500&status=all';
    while (path) {
      const page: ContactsPage = (await api<ContactsPage>(path)).data;
      everyone.push(...page.contacts);
      path = page._links?.next?.href;
    }
    const permissions = new Set(
      everyone.map(
        (c) => (c.email_address as { permission_to_send?: string } | undefined)?.permission_to_send,
      ),
    );
    expect(permissions).toEqual(
      new Set([
        'implicit',
        'explicit',
        'unsubscribed',
        'pending_confirmation',
        'not_set',
        'temp_hold',
        undefined,
      ]),
    );
    expect(everyone.some((c) => c.email_address == null && 'sms_channel' in c)).toBe(true);
    const filtered = (
      await api<ContactsPage>('/v3/contacts?limit=500&status=unsubscribed,temp_hold&include_count=true')
    ).data;
    const expected = notDeleted().filter((c) =>
      ['unsubscribed', 'temp_hold'].includes(c.email_address?.permission_to_send ?? ''),
    );
    expect(filtered.contacts_count).toBe(expected.length);
    expect((await api('/v3/contacts?status=gone')).status).toBe(400);
  });

  it('omits sub-resources unless include asks for them', async () => {
    const bare = (await api<ContactsPage>('/v3/contacts?limit=20')).data;
    for (const key of [
      'custom_fields',
      'list_memberships',
      'phone_numbers',
      'street_addresses',
      'taggings',
      'notes',
    ]) {
      expect(bare.contacts.some((c) => key in c)).toBe(false);
    }
    const rich = (
      await api<ContactsPage>('/v3/contacts?limit=20&include=custom_fields,list_memberships,taggings')
    ).data;
    expect(
      rich.contacts.every(
        (c) =>
          Array.isArray(c.custom_fields) && Array.isArray(c.list_memberships) && Array.isArray(c.taggings),
      ),
    ).toBe(true);
    expect(rich.contacts.some((c) => 'phone_numbers' in c)).toBe(false);
    expect((await api('/v3/contacts?include=everything')).status).toBe(400);
  });

  it('filters updated_after exclusively; an unsubscribe keeps updated_at and shows up through optout_after', async () => {
    const newest = notDeleted().reduce((max, c) => (c.updated_at > max ? c.updated_at : max), '');
    expect(
      (await api<ContactsPage>(`/v3/contacts?updated_after=${newest}&include_count=true`)).data
        .contacts_count,
    ).toBe(0);
    const target = notDeleted().find((c) => c.email_address?.permission_to_send === 'explicit')!;
    const bookmark = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    sandbox.constantContact.unsubscribe(target.contact_id, { reason: 'too many emails' });
    const byUpdate = (await api<ContactsPage>(`/v3/contacts?updated_after=${bookmark}`)).data;
    expect(byUpdate.contacts).toHaveLength(0);
    const byOptout = (await api<ContactsPage>(`/v3/contacts?optout_after=${bookmark}`)).data;
    expect(
      byOptout.contacts.map((c) => [
        c.contact_id,
        (c.email_address as { permission_to_send: string }).permission_to_send,
      ]),
    ).toEqual([[target.contact_id, 'unsubscribed']]);
    sandbox.constantContact.changeEmail(target.contact_id, 'new.address@example.com');
    expect((await api<ContactsPage>(`/v3/contacts?updated_after=${bookmark}`)).data.contacts).toHaveLength(1);
    expect((await api('/v3/contacts?updated_after=yesterday')).status).toBe(400);
    sandbox.constantContact.reset();
    liveRefresh = sandbox.env.CONSTANT_CONTACT_REFRESH_TOKEN!;
    token = await accessToken();
  });
});

describe('Constant Contact limits', () => {
  it('throttles the 5th request within a second per application', async () => {
    sandbox.constantContact.setOptions({ requestsPerSecond: 4 });
    await new Promise((r) => setTimeout(r, 1000));
    const results = await Promise.all(Array.from({ length: 5 }, () => api('/v3/contact_tags')));
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.data).toEqual({ error_key: 'throttled', error_message: 'Too Many Requests' });
    expect(refused[0]!.headers['retry-after']).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api('/v3/contact_tags')).status).toBe(200);
  });

  it('answers quota_exceeded once the daily quota is used, until the day resets', async () => {
    const used = sandbox.constantContact.usedToday();
    sandbox.constantContact.setOptions({ dailyQuota: used + 2 });
    expect((await api('/v3/contact_lists')).status).toBe(200);
    expect((await api('/v3/contact_lists')).status).toBe(200);
    const over = await api('/v3/contact_lists');
    expect(over.status).toBe(429);
    expect(over.data).toEqual({ error_key: 'quota_exceeded', error_message: 'Limit Exceeded' });
    sandbox.constantContact.resetDay();
    expect((await api('/v3/contact_lists')).status).toBe(200);
  });
});

describe('lists, custom fields and tags', () => {
  it('pages custom fields by cursor (limit at most 100)', async () => {
    expect((await api('/v3/contact_custom_fields?limit=101')).status).toBe(400);
    const names: string[] = [];
    let path: string | undefined = '/v3/contact_custom_fields?limit=4';
    while (path) {
      const page = (await api(path)).data as {
        custom_fields: { name: string; type: string }[];
        _links?: { next?: { href: string } };
      };
      names.push(...page.custom_fields.map((f) => f.name));
      path = page._links?.next?.href;
    }
    expect(names).toEqual(sandbox.dataset.constantContact.customFields.map((f) => f.name));
  });

  it('serves contact lists with counts and tags', async () => {
    const lists = (await api('/v3/contact_lists?include_count=true&include_membership_count=all')).data as {
      lists: { list_id: string; membership_count: number }[];
      lists_count: number;
    };
    expect(lists.lists_count).toBe(sandbox.dataset.constantContact.lists.length);
    const first = lists.lists[0]!;
    expect(first.membership_count).toBe(
      seeds.filter((c) => c.list_memberships.includes(first.list_id)).length,
    );
    const tags = (await api('/v3/contact_tags?include_count=true')).data as {
      tags: { name: string; contacts_count: number }[];
    };
    expect(tags.tags.map((t) => t.name)).toEqual(sandbox.dataset.constantContact.tags.map((t) => t.name));
    expect(tags.tags.every((t) => typeof t.contacts_count === 'number')).toBe(true);
  });
});
