/**
 * Keyset paging of Mailchimp members through the real source against the sandbox, with since_last_changed
 * exclusive (the sandbox's default) and inclusive (Mailchimp documents neither): the chain of windows ends and
 * reads every member either way. And a proxy's bare 403 stops the run instead of being waited on for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildMailchimpSource,
  firstMailchimpCheckpoints,
  mailchimpPages,
  type MailchimpCheckpoint,
} from '../../src/connectors/mailchimp/index.ts';
import { createSdkListsApi } from '../../src/connectors/mailchimp/sdk.ts';
import { ConfigError } from '../../src/errors/index.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

const PAGE = 25;
const BEFORE = new Date('2030-01-01T00:00:00Z');
let sandbox: Sandbox;
let listId: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 11,
    dataset: {
      mailchimp: { audiences: 1, membersPerAudience: 200 },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 0 },
    },
  });
  listId = sandbox.mailchimp.listIds()[0]!;
  // One member, then more than a page in the next second, then two a second: with an inclusive filter the
  // window after the first page starts where it started and ends at the same last member.
  const second = (i: number) => (i === 0 ? 0 : i <= 30 ? 1 : 2 + Math.floor(i / 2));
  sandbox.mailchimp
    .members(listId)
    .filter((m) => m.status === 'subscribed')
    .forEach((m, i) => {
      const at = new Date(Date.UTC(2024, 2, 1, 10, 0, 0) + second(i) * 1000);
      sandbox.mailchimp.updateMember(listId, m.email_address, {
        last_changed: `${at.toISOString().slice(0, 19)}+00:00`,
      });
    });
});
afterAll(() => sandbox.close());

async function readChain(): Promise<{ ids: Set<string>; pages: number; ended: boolean }> {
  const source = buildMailchimpSource({
    lists: () =>
      createSdkListsApi({
        apiKey: sandbox.env.MAILCHIMP_API_KEY!,
        baseUrl: `${sandbox.url}/3.0`,
        timeoutMs: 5000,
      }),
    limiter: { run: (operation) => operation() },
  });
  const pager = mailchimpPages(source, PAGE);
  const ids = new Set<string>();
  const subscribedChain = firstMailchimpCheckpoints(listId, { before: BEFORE }).find(
    (f) => f.checkpoint.status === 'subscribed',
  );
  let checkpoint: MailchimpCheckpoint | null = subscribedChain!.checkpoint;
  let pages = 0;
  while (checkpoint && pages < 200) {
    const page = await pager.readPage(checkpoint);
    for (const m of page.records) ids.add(m.id);
    checkpoint = page.next;
    pages++;
  }
  return { ids, pages, ended: checkpoint === null };
}

const subscribed = () => sandbox.mailchimp.members(listId).filter((m) => m.status === 'subscribed');

describe('Mailchimp keyset paging against the sandbox', () => {
  it.each([false, true])(
    'ends and reads every member (since_last_changed inclusive: %s)',
    async (inclusive) => {
      sandbox.mailchimp.setOptions({ sinceInclusive: inclusive });
      const { ids, ended } = await readChain();
      expect(ended).toBe(true);
      expect(ids.size).toBe(subscribed().length);
    },
  );

  it('stops with a clear message when a proxy answers 403 without Mailchimp’s error body, after a few waits', async () => {
    const source = buildMailchimpSource({
      lists: () =>
        createSdkListsApi({
          apiKey: sandbox.env.MAILCHIMP_API_KEY!,
          baseUrl: `${sandbox.url}/3.0`,
          timeoutMs: 5000,
        }),
      limiter: { run: (operation) => operation() },
      retry: { maxRateLimitWaits: 10, sleep: () => Promise.resolve() },
    });
    sandbox.faults.set({ mailchimp: { forbiddenBurst: 100 } });
    const err = await source.getAudience(listId).catch((e: unknown) => e);
    sandbox.faults.clear();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/403 without an error body 4 times in a row/);
    expect(sandbox.faults.counters().mailchimp.forbidden).toBe(4);
  });
});
