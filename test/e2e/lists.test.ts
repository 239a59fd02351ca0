/**
 * Source lists carried over as HubSpot static lists (HUBSPOT_LISTS=all): one MANUAL list per Mailchimp
 * audience, Mailchimp tag and Constant Contact list, with exactly the people the sources hold; a second run
 * creates no list and adds nobody twice; a tag removed in Mailchimp takes the person out of that list on the
 * next sync, while an opt-out takes nobody out of any list.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ListOverviewRow } from '../../src/cli/commands/lists.ts';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { generateDataset, startSandbox } from '../../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { normalize } from '../helpers/expected-state.ts';
import { hubspotCalls } from './helpers/hubspot-state.ts';
import { LIST_ROUTES, hubspotLists } from './helpers/lists.ts';
import { StackPool, rowsOf, sleep } from './helpers/stack.ts';

const pool = new StackPool();
afterEach(() => pool.closeAll());

function dataset(seed: number) {
  return generateDataset({
    seed,
    mailchimp: { audiences: 2, membersPerAudience: 60 },
    constantContact: { contacts: 50 },
    overlap: 0.3,
    hubspotPreexisting: { contacts: 5, optedOutShare: 0.4 },
  });
}

async function openStack(seed: number): Promise<LocalStack> {
  return pool.open({
    sandbox: { seed, limits: false, dataset: dataset(seed) },
    env: { CONSTANT_CONTACT_RATE_LIMIT: '100', HUBSPOT_LISTS: 'audiences,tags,cc-lists' },
  });
}

/**
 * List name → member emails, computed from what the sandbox's sources hold now: every record the run wrote
 * (not skipped, not failed) is in its audience and tag lists, or in its Constant Contact lists.
 */
async function expectedLists(stack: LocalStack, runIds: string[]): Promise<Map<string, string[]>> {
  const { sandbox } = stack;
  const written = new Set<string>();
  for (const runId of runIds) {
    for (const [key, row] of await rowsOf(stack.app.store, runId)) {
      if (row.outcome === 'failed' || row.outcome === 'skipped') written.delete(key);
      else written.add(key);
    }
  }
  const out = new Map<string, Set<string>>();
  const add = (name: string, email: string) => out.set(name, (out.get(name) ?? new Set()).add(email));
  for (const list of sandbox.dataset.mailchimp.lists) {
    for (const m of sandbox.mailchimp.members(list.id)) {
      const email = normalize(m.email_address);
      if (!email || !written.has(`mailchimp:${list.id}:${m.contact_id}`)) continue;
      add(`Mailchimp · ${list.name}`, email);
      for (const tag of m.tags) add(`Mailchimp · ${list.name} · ${tag.name}`, email);
    }
  }
  const ccNames = new Map(sandbox.dataset.constantContact.lists.map((l) => [l.list_id, l.name]));
  for (const c of sandbox.constantContact.contacts()) {
    const email = normalize(c.email_address?.address);
    if (!email || c.deleted_at || !written.has(`constant-contact:${c.contact_id}`)) continue;
    for (const id of c.list_memberships) add(`Constant Contact · ${ccNames.get(id) ?? id}`, email);
  }
  return new Map([...out].map(([name, emails]) => [name, [...emails].sort()]));
}

const sorted = (m: Map<string, string[]>) => [...m].sort(([a], [b]) => a.localeCompare(b));

describe('source lists → HubSpot lists', () => {
  it('creates one MANUAL list per audience, tag and Constant Contact list with exactly their people; a second full run creates no list and adds no one twice', async () => {
    const stack = await openStack(191);
    const { sandbox } = stack;
    const first = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
    expect(first.run.status).toMatch(/^completed/);

    const snapshot = sandbox.hubspot.snapshot();
    const expected = await expectedLists(stack, [first.run.id]);
    expect(expected.size).toBeGreaterThan(5);
    expect(sorted(hubspotLists(snapshot))).toEqual(sorted(expected));
    expect(snapshot.lists.every((l) => l.processingType === 'MANUAL')).toBe(true);
    const memberships = [...expected.values()].reduce((n, emails) => n + emails.length, 0);
    expect(first.breakdown.listMembershipsAdded).toBe(memberships);
    // People in both sources (overlap) are one contact in the lists of both.
    const mcPeople = new Set([...expected].filter(([n]) => n.startsWith('Mailchimp')).flatMap(([, e]) => e));
    const ccPeople = [...expected].filter(([n]) => n.startsWith('Constant')).flatMap(([, e]) => e);
    expect(ccPeople.some((e) => mcPeople.has(e))).toBe(true);

    sandbox.resetCallCounts();
    const second = await stack.run({ sources: ['mailchimp', 'constant-contact'], ignoreFingerprints: true });
    expect(second.run.status).toMatch(/^completed/);
    const calls = sandbox.callCounts();
    expect(hubspotCalls(calls, /contacts\/batch\/upsert$/)).toBeGreaterThan(0);
    expect(hubspotCalls(calls, LIST_ROUTES.create)).toBe(0);
    expect(hubspotCalls(calls, LIST_ROUTES.add)).toBe(0);
    expect(hubspotCalls(calls, LIST_ROUTES.remove)).toBe(0);
    expect(second.breakdown.listMembershipsAdded ?? 0).toBe(0);
    expect(sorted(hubspotLists(sandbox.hubspot.snapshot()))).toEqual(sorted(expected));

    // esp-sync lists: every source list, the HubSpot list it maps to and that list's size.
    const env = {
      ...sandbox.env,
      REDIS_URL: stack.config.redisUrl,
      QUEUE_PREFIX: stack.config.queuePrefix,
      LOG_LEVEL: 'silent',
      HUBSPOT_LISTS: 'all',
    };
    const cli = await runCli(['lists', '--json'], env);
    expect([cli.code, cli.stderr]).toEqual([0, '']);
    const rows = JSON.parse(cli.stdout) as ListOverviewRow[];
    const sizes = new Map(rows.filter((r) => r.hubspot).map((r) => [r.hubspotName, r.hubspot!.size]));
    expect(sorted(new Map([...sizes].map(([n, size]) => [n, [String(size)]])))).toEqual(
      sorted(new Map([...expected].map(([n, emails]) => [n, [String(emails.length)]]))),
    );
    const ccLists = sandbox.dataset.constantContact.lists.map((l) => `Constant Contact · ${l.name}`);
    const audiences = sandbox.dataset.mailchimp.lists.map((l) => `Mailchimp · ${l.name}`);
    expect(rows.map((r) => r.hubspotName)).toEqual(expect.arrayContaining([...ccLists, ...audiences]));
    const text = await runCli(['lists', '--source', 'constant-contact'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('Mailchimp');
    const someCc = [...expected.keys()].find((n) => n.startsWith('Constant Contact'))!;
    expect(text.stdout).toContain(`→  ${someCc} (list `);
  });

  it('removes a person from a tag list when the tag is removed in Mailchimp, and keeps opted-out people in their lists', async () => {
    const stack = await openStack(192);
    const { sandbox } = stack;
    const first = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'sync' });
    expect(first.run.status).toMatch(/^completed/);

    const list = sandbox.dataset.mailchimp.lists[0]!;
    const valid = sandbox.mailchimp
      .members(list.id)
      .filter((m) => normalize(m.email_address) && m.status === 'subscribed');
    const tagged = valid.find((m) => m.tags.length >= 2)!;
    const untagged = valid.find((m) => m.tags.length === 0 && m !== tagged)!;
    const [dropped, ...keptTags] = tagged.tags;
    sandbox.mailchimp.updateMember(list.id, tagged.email_address, {
      tags: keptTags.map((t) => t.name),
      status: 'unsubscribed',
    });
    sandbox.mailchimp.updateMember(list.id, untagged.email_address, { tags: [dropped!.name] });
    // Mailchimp's last_changed has whole seconds and a run reads below the second it starts in.
    await sleep(1100);

    sandbox.resetCallCounts();
    const second = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'sync' });
    expect(second.run.status).toMatch(/^completed/);
    const lists = hubspotLists(sandbox.hubspot.snapshot());
    const droppedList = `Mailchimp · ${list.name} · ${dropped!.name}`;
    const taggedEmail = normalize(tagged.email_address)!;
    const untaggedEmail = normalize(untagged.email_address)!;
    expect(lists.get(droppedList)).not.toContain(taggedEmail);
    expect(lists.get(droppedList)).toContain(untaggedEmail);
    // Unsubscribed in the same change: lists are not consent, so the audience and remaining tags stay.
    expect(lists.get(`Mailchimp · ${list.name}`)).toContain(taggedEmail);
    for (const tag of keptTags) {
      expect(lists.get(`Mailchimp · ${list.name} · ${tag.name}`)).toContain(taggedEmail);
    }
    expect(second.breakdown.listMembershipsRemoved).toBe(1);
    expect(second.breakdown.listMembershipsAdded).toBe(1);
    expect(hubspotCalls(sandbox.callCounts(), LIST_ROUTES.create)).toBe(0);
    expect(sorted(lists)).toEqual(sorted(await expectedLists(stack, [first.run.id, second.run.id])));
  });

  it('fills the lists with a --full run after lists are turned on for an earlier migration', async () => {
    const sandbox = await startSandbox({ seed: 193, limits: false, dataset: dataset(193) });
    pool.onClose(() => sandbox.close());
    const queuePrefix = pool.prefix('lists-later');
    const env = { CONSTANT_CONTACT_RATE_LIMIT: '100' };
    const without = await pool.open({ existingSandbox: sandbox, queuePrefix, env });
    const first = await without.run({ sources: ['mailchimp', 'constant-contact'] });
    expect(first.run.status).toMatch(/^completed/);
    expect(sandbox.hubspot.snapshot().lists).toEqual([]);
    await pool.closeStack(without);

    const withLists = await pool.open({
      existingSandbox: sandbox,
      queuePrefix,
      env: { ...env, HUBSPOT_LISTS: 'all' },
    });
    const second = await withLists.run({
      sources: ['mailchimp', 'constant-contact'],
      ignoreFingerprints: true,
    });
    expect(second.run.status).toMatch(/^completed/);
    const expected = await expectedLists(withLists, [first.run.id, second.run.id]);
    expect(sorted(hubspotLists(sandbox.hubspot.snapshot()))).toEqual(sorted(expected));
  });
});
