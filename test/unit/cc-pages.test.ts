import { describe, expect, it } from '@jest/globals';
import type { CcContactPageParams, ConstantContactPort } from '../../src/connectors/constant-contact/wire.ts';
import {
  ccPages,
  firstCcCheckpoints,
  type CcCheckpoint,
} from '../../src/connectors/constant-contact/index.ts';

describe('Constant Contact pages from a checkpoint', () => {
  it('plans one chain for a full read, and updated plus opted-out chains for a sync', () => {
    expect(firstCcCheckpoints()).toEqual([
      { chain: 'all', checkpoint: { source: 'constant-contact', cursor: null } },
    ]);
    const since = new Date('2024-05-01T12:00:00Z');
    expect(firstCcCheckpoints(since)).toEqual([
      {
        chain: 'updated',
        checkpoint: { source: 'constant-contact', cursor: null, updatedAfter: '2024-05-01T12:00:00.000Z' },
      },
      {
        chain: 'optout',
        checkpoint: { source: 'constant-contact', cursor: null, optoutAfter: '2024-05-01T12:00:00.000Z' },
      },
    ]);
  });

  it('follows the cursor to the end of the chain, keeping the first page’s filters', async () => {
    const sent: CcContactPageParams[] = [];
    const contacts = (ids: string[]) => ids.map((contact_id) => ({ contact_id }));
    const port = {
      async contactPage(params: CcContactPageParams) {
        sent.push(params);
        return params.cursor === null
          ? { contacts: contacts(['a', 'b']), nextCursor: '/v3/contacts?cursor=x', totalCount: 3 }
          : { contacts: contacts(['c']), nextCursor: null, totalCount: null };
      },
    } as Pick<ConstantContactPort, 'contactPage'> as ConstantContactPort;
    const pager = ccPages(port);
    const [first] = firstCcCheckpoints(new Date('2024-05-01T12:00:00Z'));

    const one = await pager.readPage(first!.checkpoint);
    expect(one.records.map((c) => c.contact_id)).toEqual(['a', 'b']);
    expect(one.total).toBe(3);
    const two = await pager.readPage(JSON.parse(JSON.stringify(one.next)) as CcCheckpoint);
    expect(two.records.map((c) => c.contact_id)).toEqual(['c']);
    expect(two.next).toBeNull();
    expect(sent).toEqual([
      { cursor: null, updatedAfter: '2024-05-01T12:00:00.000Z' },
      { cursor: '/v3/contacts?cursor=x', updatedAfter: '2024-05-01T12:00:00.000Z' },
    ]);
  });
});
