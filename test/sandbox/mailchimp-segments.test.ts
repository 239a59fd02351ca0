/**
 * The Mailchimp simulator's segments (tags as static segments, saved segments tests set) and their members,
 * read through the connector over the official SDK and directly: paging over 1,000 members, opted-out members
 * only when asked for, and the documented limits refused (count 1–1000, offset, type, include_* booleans).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildMailchimpSource } from '../../src/connectors/mailchimp/index.ts';
import { createSdkListsApi } from '../../src/connectors/mailchimp/sdk.ts';
import type { MailchimpPort } from '../../src/connectors/mailchimp/wire.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { MailchimpListSeed } from '../../src/sandbox/generator/types.ts';

let sandbox: Sandbox;
let source: MailchimpPort;
let list: MailchimpListSeed;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 19,
    limits: false,
    dataset: {
      mailchimp: { audiences: 1, membersPerAudience: 1300 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 0 },
    },
  });
  const apiKey = sandbox.env.MAILCHIMP_API_KEY!;
  source = buildMailchimpSource({
    lists: () => createSdkListsApi({ apiKey, baseUrl: `${sandbox.url}/3.0`, timeoutMs: 10_000 }),
    limiter: { run: (operation) => operation() },
  });
  list = sandbox.dataset.mailchimp.lists[0]!;
});

afterAll(async () => {
  await sandbox.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const auth = Buffer.from(`user:${sandbox.env.MAILCHIMP_API_KEY!}`).toString('base64');
  const res = await fetch(`${sandbox.url}/3.0${path}`, { headers: { authorization: `Basic ${auth}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every address of a segment, read page by page through the connector. */
async function allEmails(segmentId: string): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ;) {
    const page = await source.segmentMemberPage({ audienceId: list.id, segmentId, offset, count: 1000 });
    out.push(...page.emails.map(String));
    offset += page.emails.length;
    if (page.emails.length === 0 || offset >= page.totalItems) return out;
  }
}

describe('Mailchimp segments in the simulator', () => {
  it('lists tags as static segments and saved segments, and serves a segment of more than 1,000 members in pages, opted-out members included', async () => {
    const members = sandbox.mailchimp.members(list.id).filter((m) => m.status !== 'archived');
    const chosen = members.slice(0, 1100).map((m) => m.email_address);
    const savedId = sandbox.mailchimp.addSavedSegment(list.id, 'Big spenders', chosen);

    const segments = await source.segments(list.id);
    const saved = segments.find((s) => s.id === String(savedId))!;
    const subscribed = members.slice(0, 1100).filter((m) => m.status === 'subscribed').length;
    expect(saved).toEqual({
      id: String(savedId),
      name: 'Big spenders',
      type: 'saved',
      memberCount: subscribed,
    });
    expect(segments.filter((s) => s.type === 'static').map((s) => s.name)).toEqual(
      list.tags.map((t) => t.name),
    );

    const emails = await allEmails(String(savedId));
    expect(emails.sort()).toEqual([...chosen].sort());
    // The connector asks for opted-out members: they are among the ones read.
    const statuses = new Set(members.slice(0, 1100).map((m) => m.status));
    expect([...statuses]).toEqual(expect.arrayContaining(['unsubscribed', 'cleaned', 'subscribed']));

    // A static segment's members are the members with that tag.
    const tag = list.tags[0]!;
    const tagged = members.filter((m) => m.tags.some((t) => t.id === tag.id)).map((m) => m.email_address);
    expect((await allEmails(String(tag.id))).sort()).toEqual(tagged.sort());
  });

  it('leaves out unsubscribed, cleaned and transactional members unless asked for, and archived ones always', async () => {
    const all = sandbox.mailchimp.members(list.id);
    const id = sandbox.mailchimp.addSavedSegment(
      list.id,
      'Everyone',
      all.map((m) => m.email_address),
    );
    const count = (statuses: string[]) => all.filter((m) => statuses.includes(m.status)).length;
    const plain = await get(`/lists/${list.id}/segments/${id}/members?count=1`);
    expect(plain.body.total_items).toBe(count(['subscribed', 'pending']));
    const wide = await get(
      `/lists/${list.id}/segments/${id}/members?count=1&include_unsubscribed=true&include_cleaned=true&include_transactional=true`,
    );
    expect(wide.body.total_items).toBe(
      count(['subscribed', 'pending', 'unsubscribed', 'cleaned', 'transactional']),
    );
    expect(count(['archived'])).toBeGreaterThan(0);
    expect(count(['unsubscribed'])).toBeGreaterThan(0);
    const one = await get(`/lists/${list.id}/segments/${id}`);
    expect(one.body).toEqual(expect.objectContaining({ id, name: 'Everyone', type: 'saved' }));
  });

  it('refuses what the reference does not allow: count outside 1–1000, a bad offset, type or boolean; 404 for an unknown segment', async () => {
    const id = sandbox.mailchimp.addSavedSegment(list.id, 'Few', []);
    const members = `/lists/${list.id}/segments/${id}/members`;
    for (const query of ['count=1001', 'count=0', 'count=ten', 'offset=-1', 'include_cleaned=yes']) {
      const res = await get(`${members}?${query}`);
      expect([query, res.status, res.body.title]).toEqual([query, 400, 'Invalid Resource']);
    }
    expect((await get(`/lists/${list.id}/segments?type=dynamic`)).status).toBe(400);
    expect((await get(`/lists/${list.id}/segments?count=5000`)).status).toBe(400);
    expect((await get(`/lists/${list.id}/segments/999999/members`)).status).toBe(404);
    expect((await get(`/lists/nope/segments`)).status).toBe(404);
    const saved = await get(`/lists/${list.id}/segments?type=saved&count=1000`);
    expect((saved.body.segments as { type: string }[]).every((s) => s.type === 'saved')).toBe(true);
    expect((await get(`${members}?count=1000`)).body).toEqual(
      expect.objectContaining({ members: [], total_items: 0 }),
    );
  });
});
