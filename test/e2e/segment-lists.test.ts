/**
 * Mailchimp segments carried over as HubSpot static lists: one MANUAL list per chosen saved or static segment
 * with exactly the segment's people the tool wrote (opted-out ones included); static segments are not listed a
 * second time when tags are carried; a second run creates no list and adds nobody twice; a person taken out of
 * a segment in Mailchimp leaves the HubSpot list on the next sync, even when their record did not change.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ListOverviewRow } from '../../src/cli/commands/lists.ts';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import type { MailchimpListSeed } from '../../src/sandbox/generator/types.ts';
import { DryPlanStore } from '../../src/run/dry-plan.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { normalize } from '../helpers/expected-state.ts';
import { hubspotCalls } from './helpers/hubspot-state.ts';
import { LIST_ROUTES, hubspotLists, peopleOf, segmentDataset, writtenEmails } from './helpers/lists.ts';
import { StackPool, sleep } from './helpers/stack.ts';

const pool = new StackPool();
afterEach(() => pool.closeAll());

async function openStack(seed: number, kinds: string): Promise<LocalStack> {
  return pool.open({
    sandbox: { seed, limits: false, dataset: segmentDataset(seed) },
    env: { HUBSPOT_LISTS: kinds },
  });
}

const sorted = (m: Map<string, string[]>) => [...m].sort(([a], [b]) => a.localeCompare(b));

describe('Mailchimp segments → HubSpot lists', () => {
  it('creates one MANUAL list per saved segment with exactly its people, tags once; a second run creates no list and adds no one twice', async () => {
    const stack = await openStack(194, 'tags,segments');
    const { sandbox } = stack;
    const [first, second] = sandbox.dataset.mailchimp.lists as [MailchimpListSeed, MailchimpListSeed];
    const pick = (l: MailchimpListSeed, every: number) =>
      sandbox.mailchimp
        .members(l.id)
        .filter((_, i) => i % every === 0)
        .map((m) => m.email_address);
    const chosen = new Map([
      [`Mailchimp · ${first.name} · Big spenders`, { list: first, emails: pick(first, 3) }],
      [`Mailchimp · ${second.name} · Lapsed`, { list: second, emails: pick(second, 4) }],
    ]);
    sandbox.mailchimp.addSavedSegment(
      first.id,
      'Big spenders',
      chosen.get(`Mailchimp · ${first.name} · Big spenders`)!.emails,
    );
    sandbox.mailchimp.addSavedSegment(
      second.id,
      'Lapsed',
      chosen.get(`Mailchimp · ${second.name} · Lapsed`)!.emails,
    );

    const run = await stack.run({ sources: ['mailchimp'] });
    expect(run.run.status).toMatch(/^completed/);
    const written = await writtenEmails(stack, [run.run.id]);
    const expected = new Map<string, string[]>();
    for (const [name, { list, emails }] of chosen) {
      const members = new Set(emails);
      expected.set(
        name,
        peopleOf(stack, list, written, (m) => members.has(m.email_address)),
      );
    }
    for (const list of [first, second]) {
      for (const tag of list.tags) {
        const people = peopleOf(stack, list, written, (m) => m.tags.some((t) => t.name === tag.name));
        if (people.length > 0) expected.set(`Mailchimp · ${list.name} · ${tag.name}`, people);
      }
    }
    const lists = hubspotLists(stack.sandbox.hubspot.snapshot());
    expect(sorted(lists)).toEqual(sorted(expected));
    // Opted-out people are in their segment's list: lists are not consent.
    const optedOut = sandbox.mailchimp
      .members(first.id)
      .filter((m) => ['unsubscribed', 'cleaned'].includes(m.status))
      .map((m) => normalize(m.email_address));
    expect(lists.get(`Mailchimp · ${first.name} · Big spenders`)!.some((e) => optedOut.includes(e))).toBe(
      true,
    );
    expect(sandbox.hubspot.snapshot().lists.every((l) => l.processingType === 'MANUAL')).toBe(true);
    const memberships = [...expected.values()].reduce((n, emails) => n + emails.length, 0);
    expect(run.breakdown.listMembershipsAdded).toBe(memberships);

    sandbox.resetCallCounts();
    const again = await stack.run({ sources: ['mailchimp'], ignoreFingerprints: true });
    expect(again.run.status).toMatch(/^completed/);
    const calls = sandbox.callCounts();
    expect(hubspotCalls(calls, /contacts\/batch\/upsert$/)).toBeGreaterThan(0);
    for (const route of Object.values(LIST_ROUTES)) expect(hubspotCalls(calls, route)).toBe(0);
    expect(again.breakdown.listMembershipsAdded ?? 0).toBe(0);
    expect(sorted(hubspotLists(stack.sandbox.hubspot.snapshot()))).toEqual(sorted(expected));

    // esp-sync lists: each saved segment with Mailchimp's count and its HubSpot list's size.
    const env = {
      ...sandbox.env,
      REDIS_URL: stack.config.redisUrl,
      QUEUE_PREFIX: stack.config.queuePrefix,
      LOG_LEVEL: 'silent',
      HUBSPOT_LISTS: 'tags,segments',
    };
    const cli = await runCli(['lists', '--json'], env);
    expect([cli.code, cli.stderr]).toEqual([0, '']);
    const rows = (JSON.parse(cli.stdout) as ListOverviewRow[]).filter((r) => r.kind === 'savedSegment');
    expect(rows.map((r) => [r.hubspotName, r.hubspot?.size, r.carried])).toEqual(
      [...chosen.keys()].sort().map((name) => [name, expected.get(name)!.length, true]),
    );
    const subscribed = sandbox.mailchimp
      .members(first.id)
      .filter(
        (m) =>
          m.status === 'subscribed' &&
          chosen.get(`Mailchimp · ${first.name} · Big spenders`)!.emails.includes(m.email_address),
      ).length;
    expect(rows.find((r) => r.sourceName === 'Big spenders')!.sourceSize).toBe(subscribed);
    // The run's summary counts every list membership written, the segments' too.
    const status = await runCli(['status', run.run.id], env);
    expect(status.stdout).toContain(`HubSpot list memberships: ${memberships} added, 0 removed`);
    const text = await runCli(['lists'], env);
    expect(text.stdout).toContain(`segment   Big spenders (${subscribed} subscribed in Mailchimp)  →  `);
  }, 120_000);

  it('a dry run plans the segment lists and writes no membership and no segment state; the real run after it adds what it planned', async () => {
    const stack = await openStack(196, 'saved-segments');
    const { sandbox } = stack;
    const list = sandbox.dataset.mailchimp.lists[0]!;
    const chosen = sandbox.mailchimp
      .members(list.id)
      .filter((_, i) => i % 2 === 0)
      .map((m) => m.email_address);
    sandbox.mailchimp.addSavedSegment(list.id, 'Half', chosen);
    const name = `Mailchimp · ${list.name} · Half`;

    const dry = await stack.run({ sources: ['mailchimp'], dryRun: true });
    expect(dry.run.status).toMatch(/^completed/);
    expect(sandbox.hubspot.snapshot().lists).toEqual([]);
    const { redis } = stack.app;
    expect(await redis.keys(`${stack.config.queuePrefix}:list-memberships:segment*`)).toEqual([]);
    const plan = await new DryPlanStore(redis, stack.config.queuePrefix, dry.run.id).totals();
    expect(plan.lists).toContain(name);

    const real = await stack.run({ sources: ['mailchimp'] });
    expect(real.run.status).toMatch(/^completed/);
    const written = await writtenEmails(stack, [real.run.id]);
    const members = new Set(chosen);
    const expected = peopleOf(stack, list, written, (m) => members.has(m.email_address));
    expect(expected.length).toBeGreaterThan(5);
    expect(hubspotLists(stack.sandbox.hubspot.snapshot()).get(name)).toEqual(expected);
    expect(real.breakdown.listMembershipsAdded).toBe(expected.length);
    expect(dry.breakdown.listMembershipsAdded).toBe(expected.length);
  }, 120_000);

  it('fills the new list when the list of a segment changes (a new name pattern), though no record changed', async () => {
    const sandbox = await startSandbox({ seed: 197, limits: false, dataset: segmentDataset(197) });
    pool.onClose(() => sandbox.close());
    const queuePrefix = pool.prefix('segment-rename');
    const list = sandbox.dataset.mailchimp.lists[0]!;
    const chosen = sandbox.mailchimp
      .members(list.id)
      .filter((_, i) => i % 3 === 1)
      .map((m) => m.email_address);
    sandbox.mailchimp.addSavedSegment(list.id, 'Thirds', chosen);
    const before = await pool.open({
      existingSandbox: sandbox,
      queuePrefix,
      env: { HUBSPOT_LISTS: 'saved-segments' },
    });
    const first = await before.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(first.run.status).toMatch(/^completed/);
    await pool.closeStack(before);

    const after = await pool.open({
      existingSandbox: sandbox,
      queuePrefix,
      env: { HUBSPOT_LISTS: 'saved-segments', HUBSPOT_LIST_NAME_SEGMENT: 'MC <audience> / <segment>' },
    });
    await sleep(1100);
    const second = await after.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(second.run.status).toMatch(/^completed/);
    const members = new Set(chosen);
    const expected = peopleOf(after, list, await writtenEmails(after, [first.run.id]), (m) =>
      members.has(m.email_address),
    );
    expect(expected.length).toBeGreaterThan(5);
    const lists = hubspotLists(after.sandbox.hubspot.snapshot());
    expect(lists.get(`MC ${list.name} / Thirds`)).toEqual(expected);
    // The list of the old name is the tool's no more; it keeps its people.
    expect(lists.get(`Mailchimp · ${list.name} · Thirds`)).toEqual(expected);
    expect(second.breakdown.listMembershipsAdded).toBe(expected.length);
    expect(second.breakdown.listMembershipsRemoved ?? 0).toBe(0);
  }, 120_000);

  it('a saved segment named like a tag shares its list: a person stays while the tag or the segment still holds them', async () => {
    const stack = await openStack(198, 'tags,saved-segments');
    const { sandbox } = stack;
    const list = sandbox.dataset.mailchimp.lists[0]!;
    const valid = sandbox.mailchimp
      .members(list.id)
      .filter((m) => normalize(m.email_address) && m.status === 'subscribed');
    const tag = valid.find((m) => m.tags.length > 0)!.tags[0]!;
    const withTag = valid.filter((m) => m.tags.some((t) => t.id === tag.id));
    const [keepsTag, keepsSegment] = withTag;
    const untagged = valid.find((m) => m.tags.length === 0)!;
    expect(keepsSegment).toBeDefined();
    const segmentId = sandbox.mailchimp.addSavedSegment(list.id, tag.name, [
      keepsTag!.email_address,
      keepsSegment!.email_address,
      untagged.email_address,
    ]);
    const first = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(first.run.status).toMatch(/^completed/);

    // One leaves the segment and keeps the tag; the other loses the tag and stays in the segment.
    sandbox.mailchimp.setSegmentMembers(list.id, segmentId, [
      keepsSegment!.email_address,
      untagged.email_address,
    ]);
    sandbox.mailchimp.updateMember(list.id, keepsSegment!.email_address, {
      tags: keepsSegment!.tags.filter((t) => t.id !== tag.id).map((t) => t.name),
    });
    await sleep(1100);
    const second = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(second.run.status).toMatch(/^completed/);

    const written = await writtenEmails(stack, [first.run.id, second.run.id]);
    const inSegment = new Set([keepsSegment!.email_address, untagged.email_address]);
    const expected = peopleOf(
      stack,
      list,
      written,
      (m) => inSegment.has(m.email_address) || m.tags.some((t) => t.name === tag.name),
    );
    const shared = hubspotLists(stack.sandbox.hubspot.snapshot()).get(
      `Mailchimp · ${list.name} · ${tag.name}`,
    );
    expect(shared).toEqual(expected);
    expect(shared).toEqual(
      expect.arrayContaining([keepsTag, keepsSegment].map((m) => normalize(m!.email_address))),
    );
  }, 120_000);

  it('takes a person out of a segment list on the next sync when Mailchimp takes them out of the segment, and keeps opted-out people in', async () => {
    const stack = await openStack(195, 'segments');
    const { sandbox } = stack;
    const list = sandbox.dataset.mailchimp.lists[0]!;
    const valid = sandbox.mailchimp
      .members(list.id)
      .filter((m) => normalize(m.email_address) && m.status === 'subscribed');
    const [leaving, staying, optingOut, joining] = valid.filter((m) => m.tags.length === 0);
    const tagged = valid.find((m) => m.tags.length > 0)!;
    const segmentId = sandbox.mailchimp.addSavedSegment(list.id, 'Regulars', [
      leaving!.email_address,
      staying!.email_address,
      optingOut!.email_address,
    ]);
    const first = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(first.run.status).toMatch(/^completed/);
    const name = `Mailchimp · ${list.name} · Regulars`;
    const email = (m: { email_address: string }) => normalize(m.email_address)!;
    expect(hubspotLists(stack.sandbox.hubspot.snapshot()).get(name)).toEqual(
      [leaving!, staying!, optingOut!].map(email).sort(),
    );
    // Static segments are carried as segments here (tags are not chosen): a tag's list is its segment's.
    const tagList = `Mailchimp · ${list.name} · ${tagged.tags[0]!.name}`;
    expect(hubspotLists(stack.sandbox.hubspot.snapshot()).get(tagList)).toContain(email(tagged));

    // Segment changes without any change to the members' records, an opt-out, and a tag taken off.
    sandbox.mailchimp.setSegmentMembers(list.id, segmentId, [
      staying!.email_address,
      optingOut!.email_address,
      joining!.email_address,
    ]);
    sandbox.mailchimp.updateMember(list.id, optingOut!.email_address, { status: 'unsubscribed' });
    sandbox.mailchimp.updateMember(list.id, tagged.email_address, {
      tags: tagged.tags.slice(1).map((t) => t.name),
    });
    await sleep(1100);

    sandbox.resetCallCounts();
    const second = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(second.run.status).toMatch(/^completed/);
    const lists = hubspotLists(stack.sandbox.hubspot.snapshot());
    expect(lists.get(name)).toEqual([staying!, optingOut!, joining!].map(email).sort());
    expect(lists.get(tagList)).not.toContain(email(tagged));
    expect(second.breakdown.listMembershipsRemoved).toBe(2);
    expect(second.breakdown.listMembershipsAdded).toBe(1);
    expect(hubspotCalls(sandbox.callCounts(), LIST_ROUTES.create)).toBe(0);
  }, 120_000);
});
