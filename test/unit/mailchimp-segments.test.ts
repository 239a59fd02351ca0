/**
 * The Mailchimp connector's segment reads against recorded-shape answers (nock): the query it sends (page size,
 * fields, opted-out members included) and lenient parsing (ids as numbers or strings, nulls, a missing list),
 * and a malformed page refused with the field named.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { buildMailchimpSource } from '../../src/connectors/mailchimp/index.ts';
import { createSdkListsApi } from '../../src/connectors/mailchimp/sdk.ts';
import { MalformedResponseError } from '../../src/errors/index.ts';

const BASE = 'https://us6.api.mailchimp.com/3.0';

function source() {
  return buildMailchimpSource({
    lists: () => createSdkListsApi({ apiKey: 'key-us6', baseUrl: BASE, timeoutMs: 5000 }),
    limiter: { run: (operation) => operation() },
    retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, sleep: () => Promise.resolve() },
  });
}

afterEach(() => {
  nock.cleanAll();
});

describe('Mailchimp segments (connector)', () => {
  it('pages through every segment of an audience and reads each leniently', async () => {
    const queries: Record<string, string>[] = [];
    const page = (offset: string, body: object) =>
      nock(BASE)
        .get('/lists/aud1/segments')
        .query((q) => q.offset === offset && queries.push(q as Record<string, string>) > 0)
        .reply(200, body);
    page('0', {
      segments: [
        { id: 7, name: 'Big spenders', type: 'saved', member_count: 3 },
        { id: '8', name: null, type: null, member_count: null, extra: 'kept aside' },
      ],
      total_items: 3,
    });
    page('2', { segments: [{ id: 9, name: 'VIP', type: 'static', member_count: 'many' }], total_items: 3 });
    const segments = await source().segments('aud1');
    expect(segments).toEqual([
      { id: '7', name: 'Big spenders', type: 'saved', memberCount: 3 },
      { id: '8', name: '', type: '', memberCount: null },
      { id: '9', name: 'VIP', type: 'static', memberCount: null },
    ]);
    expect(queries.map((q) => [q.count, q.offset])).toEqual([
      ['1000', '0'],
      ['1000', '2'],
    ]);
    expect(queries[0]!.fields).toBe(
      'segments.id,segments.name,segments.type,segments.member_count,total_items',
    );
  });

  it("asks for a segment's opted-out and transactional members too, and only their addresses", async () => {
    let query: Record<string, string> = {};
    nock(BASE)
      .get('/lists/aud1/segments/7/members')
      .query((q) => {
        query = q as Record<string, string>;
        return true;
      })
      .reply(200, {
        members: [{ email_address: 'Ada@Example.com' }, { email_address: null }],
        total_items: 1200,
      });
    const page = await source().segmentMemberPage({
      audienceId: 'aud1',
      segmentId: '7',
      offset: 1000,
      count: 5000,
    });
    expect(page).toEqual({ emails: ['Ada@Example.com', null], totalItems: 1200 });
    expect(query).toEqual({
      count: '1000',
      offset: '1000',
      include_unsubscribed: 'true',
      include_cleaned: 'true',
      include_transactional: 'true',
      fields: 'members.email_address,total_items',
    });
  });

  it('treats a missing member list as empty and refuses a page without total_items, naming the field', async () => {
    nock(BASE)
      .get('/lists/aud1/segments/7/members')
      .query(true)
      .reply(200, { members: null, total_items: 0 });
    expect(
      await source().segmentMemberPage({ audienceId: 'aud1', segmentId: '7', offset: 0, count: 10 }),
    ).toEqual({ emails: [], totalItems: 0 });
    nock(BASE).get('/lists/aud1/segments/7/members').query(true).times(2).reply(200, { members: [] });
    const err = await source()
      .segmentMemberPage({ audienceId: 'aud1', segmentId: '7', offset: 0, count: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(String((err as Error).message)).toContain('total_items');
  });
});
