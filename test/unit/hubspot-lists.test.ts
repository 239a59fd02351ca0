/**
 * The sink's lists (src/connectors/hubspot/lists.ts) against recorded-shape answers: lenient reading (null and
 * absent fields, both spellings of the added ids), find-or-create by name, a name taken by a DYNAMIC list, the
 * create race, batches of 100, and a deleted list.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { testSink, withJsonBody } from './hubspot-fixtures.ts';

const BY_NAME = /^\/crm\/v3\/lists\/object-type-id\/0-1\/name\/.+$/;

afterEach(() => nock.cleanAll());
afterAll(() => nock.restore());

function listsOf(sink: ReturnType<typeof testSink>['sink']) {
  if (!sink.lists) throw new Error('the sink has no lists');
  return sink.lists;
}

describe('HubSpot lists (sink)', () => {
  it('finds a list by name, with null and absent optional fields read as unknown', async () => {
    const { sink, baseUrl } = testSink();
    nock(baseUrl)
      .get(BY_NAME)
      .reply(200, { list: { listId: 42, name: 'Mailchimp · News', processingType: null, size: null } });
    expect(await listsOf(sink).findList('Mailchimp · News')).toEqual({
      listId: '42',
      name: 'Mailchimp · News',
      processingType: null,
      size: null,
    });
  });

  it('creates a MANUAL contact list when none has the name, and uses the one found otherwise', async () => {
    const { sink, baseUrl } = testSink();
    const created: unknown[] = [];
    nock(baseUrl)
      .get(BY_NAME)
      .reply(404, { status: 'error', message: 'List does not exist', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/lists')
      .reply(
        200,
        withJsonBody((body: unknown) => {
          created.push(body);
          return { list: { listId: '7', name: 'L', processingType: 'MANUAL' } };
        }),
      )
      .get(BY_NAME)
      .reply(200, { list: { listId: '8', processingType: 'SNAPSHOT' } });
    expect(await listsOf(sink).ensureList('L')).toBe('7');
    expect(created).toEqual([{ name: 'L', objectTypeId: '0-1', processingType: 'MANUAL' }]);
    expect(await listsOf(sink).ensureList('L')).toBe('8');
  });

  it('answers null for a name taken by a DYNAMIC list, and takes the list another worker just created', async () => {
    const { sink, baseUrl } = testSink();
    nock(baseUrl)
      .get(BY_NAME)
      .reply(200, { list: { listId: '3', processingType: 'DYNAMIC' } });
    expect(await listsOf(sink).ensureList('Taken')).toBeNull();

    nock(baseUrl)
      .get(BY_NAME)
      .reply(404, {})
      .post('/crm/v3/lists')
      .reply(400, { status: 'error', category: 'VALIDATION_ERROR', subCategory: 'ILS.DUPLICATE_LIST_NAMES' })
      .get(BY_NAME)
      .reply(200, { list: { listId: '9', processingType: 'MANUAL' } });
    expect(await listsOf(sink).ensureList('Raced')).toBe('9');
  });

  it('adds members 100 ids per call and counts what HubSpot added, in either spelling', async () => {
    const { sink, baseUrl } = testSink();
    const sizes: number[] = [];
    nock(baseUrl)
      .put('/crm/v3/lists/5/memberships/add')
      .times(3)
      .reply(
        200,
        withJsonBody((ids: string[]) => {
          sizes.push(ids.length);
          return sizes.length === 1
            ? { recordsIdsAdded: ids.slice(0, 90), recordIdsMissing: null }
            : { recordIdsAdded: ids, recordIdsRemoved: [] };
        }),
      );
    const ids = Array.from({ length: 250 }, (_, i) => String(1000 + i));
    expect(await listsOf(sink).changeMembers('5', 'add', [...ids, ids[0]!])).toEqual({
      listMissing: false,
      changed: 90 + 100 + 50,
    });
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('removes members, and says so when the list was deleted', async () => {
    const { sink, baseUrl } = testSink();
    nock(baseUrl)
      .put('/crm/v3/lists/5/memberships/remove', ['1', '2'])
      .reply(200, { recordIdsRemoved: ['1'], recordIdsMissing: ['2'] })
      .put('/crm/v3/lists/6/memberships/add')
      .reply(404, { status: 'error', message: 'List 6 does not exist' });
    expect(await listsOf(sink).changeMembers('5', 'remove', ['1', '2'])).toEqual({
      listMissing: false,
      changed: 1,
    });
    expect(await listsOf(sink).changeMembers('6', 'add', ['1'])).toEqual({ listMissing: true, changed: 0 });
  });

  it('names the missing scope when HubSpot refuses to create a list (403)', async () => {
    const { sink, baseUrl } = testSink();
    nock(baseUrl)
      .get(BY_NAME)
      .reply(404, {})
      .post('/crm/v3/lists')
      .reply(403, { status: 'error', message: 'forbidden', category: 'FORBIDDEN' });
    await expect(listsOf(sink).ensureList('L')).rejects.toThrow(/crm\.lists\.write/);
  });
});
