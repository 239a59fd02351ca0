/**
 * The HubSpot simulator's list membership removal (`PUT /crm/v3/lists/{listId}/memberships/remove`), through
 * the official SDK and fetch: https://developers.hubspot.com/docs/guides/api/crm/lists/overview
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { createHubSpotSim, type HubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import { serve } from './hubspot-harness.ts';

const TOKEN = 'pat-na1-lists-remove';

let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };
let client: Client;

async function put(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeEach(async () => {
  sim = createHubSpotSim({ accessTokens: [TOKEN], rateLimitPer10s: 0, dailyLimit: 0 });
  server = await serve(() => sim);
  client = new Client({ accessToken: TOKEN, basePath: server.url });
});

afterEach(async () => {
  await server.close();
});

describe('list membership removal', () => {
  it('removes members, reports unknown ids as missing, ignores records that are not members', async () => {
    sim.seedContacts([{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }]);
    const [a, b, c] = sim.snapshot().contacts;
    const { list } = await client.crm.lists.listsApi.create({
      name: 'Mailchimp · Newsletter · VIP',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    await client.crm.lists.membershipsApi.add(list.listId, [a!.id, b!.id]);

    const removed = await client.crm.lists.membershipsApi.remove(list.listId, [a!.id, c!.id, '424242']);
    expect(removed.recordIdsRemoved).toEqual([a!.id]);
    expect(removed.recordIdsMissing).toEqual(['424242']);
    expect(sim.snapshot().lists[0]?.members).toEqual([b!.id]);
    expect((await client.crm.lists.listsApi.getById(list.listId)).list.size).toBe(1);

    expect((await put(`/crm/v3/lists/${list.listId}/memberships/remove`, { ids: [b!.id] })).status).toBe(400);
    expect((await put('/crm/v3/lists/999/memberships/remove', [b!.id])).status).toBe(404);
    expect(sim.snapshot().lists[0]?.members).toEqual([b!.id]);
  });
});
