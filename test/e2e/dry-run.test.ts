/**
 * `migrate --dry-run` and `sync --dry-run`: HubSpot is read, never written, and the report of the dry run is
 * exactly what the real run that follows does, record by record, counts and HubSpot calls included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { retryFailedRun } from '../../src/dashboard/actions.ts';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { AuthError } from '../../src/errors/index.ts';
import { ledgerKeys } from '../../src/ledger/keys.ts';
import { DryPlanStore } from '../../src/run/dry-plan.ts';
import { reportLines } from '../../src/run/report.ts';
import type { RecordRow, RunCounts } from '../../src/run/types.ts';
import { startRun } from '../../src/run/start.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import type { CallCounts } from '../../src/sandbox/index.ts';
import { MARKETING, WRITE_ROUTES, hubspotCalls } from './helpers/hubspot-state.ts';
import { openCliStack, runCli } from './helpers/cli.ts';
import { openConsentStack } from './helpers/consent-stack.ts';
import { StackPool, rowsOf, sleep, waitFor } from './helpers/stack.ts';

/** outcomeOf's reason for a record whose person's properties a newer record wrote. */
const OWNED_ELSEWHERE = 'a more recently changed record of this email set its properties';
const BOTH = ['mailchimp', 'constant-contact'] as ('mailchimp' | 'constant-contact')[];
const DATASET = {
  seed: 71,
  mailchimp: { audiences: 2, membersPerAudience: 70 },
  constantContact: { contacts: 90 },
  overlap: 0.6,
  hubspotPreexisting: { contacts: 40, optedOutShare: 0.3 },
};

const pool = new StackPool();
afterAll(() => pool.closeAll());

/** Reads leave HubSpot as it was: GETs, batch reads, searches, and the status reads (POST …/read). */
const isRead = (route: string) => route.startsWith('GET ') || /\/(read|search)$/.test(route);

function writesIn(counts: CallCounts): string[] {
  return Object.entries(counts.hubspot.routes)
    .filter(([route, r]) => r.calls > 0 && !isRead(route))
    .map(([route]) => route);
}

/**
 * What a row says happened to its record, without anything that names the run. Where one person has several
 * records, which of them creates the contact and which only update it (or find it set by a newer record)
 * follows the order the jobs ran in, in any run: for those records, "written" stands for all three.
 */
function outcomes(rows: Map<string, RecordRow>): Map<string, string> {
  const perEmail = new Map<string, number>();
  for (const r of rows.values()) perEmail.set(r.email ?? '', (perEmail.get(r.email ?? '') ?? 0) + 1);
  const ordered = new Set(['created', 'updated', 'unchanged']);
  return new Map(
    [...rows].map(([key, r]) => {
      const shared = (perEmail.get(r.email ?? '') ?? 0) > 1 && ordered.has(r.outcome);
      const reason = shared && r.reason === OWNED_ELSEWHERE ? null : r.reason;
      return [
        key,
        JSON.stringify([
          shared ? 'written' : r.outcome,
          r.consent,
          reason?.replace(/run \S+/g, 'run …') ?? null,
        ]),
      ];
    }),
  );
}

/** The counts, with created, updated and unchanged as one sum (see outcomes()). */
function countsOf(counts: RunCounts) {
  const { created, updated, unchanged, ...rest } = counts;
  return { ...rest, written: created + updated + unchanged };
}

async function crossRunKeysOf(stack: LocalStack): Promise<string[]> {
  const { addressLock: _locks, ...keys } = ledgerKeys(stack.config.queuePrefix);
  const present: string[] = [];
  for (const key of Object.values(keys)) if (await stack.app.redis.exists(key)) present.push(key);
  return present;
}

describe('dry run', () => {
  it('writes nothing, and the real run that follows does exactly what it reported', async () => {
    const stack = await pool.open({ sandbox: { dataset: DATASET } });
    const { sandbox } = stack;
    const before = sandbox.hubspot.snapshot();

    sandbox.resetCallCounts();
    const dry = await stack.run({ sources: BOTH, dryRun: true });
    const dryCalls = sandbox.callCounts();

    expect(dry.run.dryRun).toBe(true);
    expect(writesIn(dryCalls)).toEqual([]);
    expect(dryCalls.hubspot.calls).toBeGreaterThan(0);
    expect(sandbox.hubspot.snapshot()).toEqual(before);
    // The real cross-run state was not touched, and the dry run's own copy is gone.
    expect(await crossRunKeysOf(stack)).toEqual([]);
    expect(await stack.app.redis.keys(`${stack.config.queuePrefix}:dry:*`)).toEqual([]);
    expect(await new WatermarkStore(stack.app.redis, stack.config.queuePrefix).all()).toEqual({});
    // Its failures are the real run's to come: nothing to retry.
    expect(dry.counts.failed).toBeGreaterThan(0);
    await expect(retryFailedRun(stack.app, dry.run.id)).rejects.toThrow(/is a dry run: it wrote nothing/);
    const dryRows = await rowsOf(stack.app.store, dry.run.id);
    const plan = await new DryPlanStore(stack.app.redis, stack.config.queuePrefix, dry.run.id).totals();

    sandbox.resetCallCounts();
    const real = await stack.run({ sources: BOTH });
    const realCalls = sandbox.callCounts();
    const after = sandbox.hubspot.snapshot();
    const realRows = await rowsOf(stack.app.store, real.run.id);

    expect(dry.run.status).toBe(real.run.status);
    expect(outcomes(dryRows)).toEqual(outcomes(realRows));
    expect(countsOf(dry.counts)).toEqual(countsOf(real.counts));
    expect(real.counts.created).toBeGreaterThan(0);
    expect(real.counts.updated).toBeGreaterThan(0);
    expect(real.counts.optedOut).toBeGreaterThan(0);
    expect(real.counts.keptOptedOut).toBeGreaterThan(0);
    expect(real.counts.subscribed).toBeGreaterThan(0);

    // The cost preview is the calls the real run made, kind by kind.
    expect({
      upsert: plan.calls.upsert,
      optOutWrite: plan.calls.optOutWrite,
      subscribeWrite: plan.calls.subscribeWrite,
      statusRead: plan.calls.statusRead,
    }).toEqual({
      upsert: hubspotCalls(realCalls, WRITE_ROUTES.upsert),
      optOutWrite: hubspotCalls(realCalls, WRITE_ROUTES.unsubscribeAll),
      subscribeWrite: hubspotCalls(realCalls, WRITE_ROUTES.statusWrite),
      statusRead: hubspotCalls(realCalls, /\/statuses\/batch\/(unsubscribe-all\/)?read$/),
    });
    // Marketing contacts: subscriptions written, and how many went to contacts the run created.
    const existed = new Set(before.contacts.map((c) => (c.email ?? '').toLowerCase()));
    const subscribedBy = (snapshot: typeof before) =>
      new Set(
        Object.entries(snapshot.statuses)
          .filter(([, s]) => s.subscriptions[MARKETING]?.status === 'SUBSCRIBED')
          .map(([email]) => email),
      );
    const wasSubscribed = subscribedBy(before);
    const newlySubscribed = [...subscribedBy(after)].filter((e) => !wasSubscribed.has(e));
    expect(newlySubscribed.length).toBeGreaterThan(0);
    expect(plan.subscribed).toBe(newlySubscribed.length);
    expect(plan.newSubscribed).toBe(newlySubscribed.filter((e) => !existed.has(e)).length);
  }, 120_000);

  it('shows what a sync would change, old → new, and moves no watermark', async () => {
    const stack = await pool.open({ sandbox: { dataset: { ...DATASET, seed: 72 } } });
    const { sandbox } = stack;
    await stack.run({ sources: ['mailchimp'] });
    const watermarks = new WatermarkStore(stack.app.redis, stack.config.queuePrefix);
    const [list] = sandbox.dataset.mailchimp.lists;
    const member = list!.members.find((m) => m.status === 'subscribed')!;
    const oldName = member.merge_fields.FNAME as string;
    expect(typeof oldName).toBe('string');
    sandbox.mailchimp.updateMember(list!.id, member.email_address, {
      merge_fields: { ...member.merge_fields, FNAME: 'Renamed' },
    });
    // Mailchimp's last_changed has whole seconds and a run reads below the second it starts in.
    await sleep(1100);
    const marksBefore = await watermarks.all();
    expect(Object.keys(marksBefore).length).toBeGreaterThan(0);

    sandbox.resetCallCounts();
    const dry = await stack.run({ sources: ['mailchimp'], kind: 'sync', dryRun: true });
    expect(writesIn(sandbox.callCounts())).toEqual([]);
    expect(await watermarks.all()).toEqual(marksBefore);
    const key = `mailchimp:${list!.id}:${member.contact_id}`;
    const csv: string[] = [];
    for await (const line of reportLines(stack.app.store, dry.run.id, 'csv')) csv.push(line);
    expect(csv[0]).toMatch(/,plan$/);
    const line = csv.find((l) => l.includes(key));
    expect(line).toContain(`update firstname: ${oldName} → Renamed`);

    const real = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
    expect(outcomes(await rowsOf(stack.app.store, dry.run.id))).toEqual(
      outcomes(await rowsOf(stack.app.store, real.run.id)),
    );
    expect(real.counts.updated).toBe(1);
  }, 120_000);

  it('esp-sync migrate --dry-run --json prints the plan and its cost, and writes nothing', async () => {
    const { stack, env } = await openCliStack(pool, { seed: 73, members: 60 });
    stack.sandbox.resetCallCounts();
    const json = await runCli(['migrate', '--source', 'mailchimp', '--dry-run', '--json'], env);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout.trim().split('\n').pop()!) as {
      dryRun: boolean;
      counts: RunCounts;
      cost: { hubspotCalls: number; byKind: Record<string, number>; seconds: number };
      plan: { subscriptions: number; newMarketingContacts: number; propertiesToCreate: string[] };
    };
    expect(summary.dryRun).toBe(true);
    expect(summary.counts.created).toBeGreaterThan(0);
    expect(summary.cost.byKind.upsert).toBeGreaterThan(0);
    expect(summary.cost.hubspotCalls).toBeGreaterThanOrEqual(summary.cost.byKind.upsert!);
    expect(summary.plan.subscriptions).toBeGreaterThan(0);
    expect(summary.plan.newMarketingContacts).toBe(summary.plan.subscriptions);
    expect(summary.plan.propertiesToCreate.length).toBeGreaterThan(0);

    expect(writesIn(stack.sandbox.callCounts())).toEqual([]);
  }, 120_000);

  it('plans an import-mode migration too: no import is started, and the real import run matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-dry-import-'));
    try {
      const stack = await pool.open({
        sandbox: { dataset: { ...DATASET, seed: 74 } },
        env: { IMPORT_DIR: dir, IMPORT_POLL_MS: '100' },
      });
      const { sandbox } = stack;
      const before = sandbox.hubspot.snapshot();
      sandbox.resetCallCounts();
      const dry = await stack.run({ sources: BOTH, mode: 'import', dryRun: true });
      expect(writesIn(sandbox.callCounts())).toEqual([]);
      expect(sandbox.hubspot.snapshot()).toEqual(before);
      const plan = await new DryPlanStore(stack.app.redis, stack.config.queuePrefix, dry.run.id).totals();

      sandbox.resetCallCounts();
      const real = await stack.run({ sources: BOTH, mode: 'import' });
      const started = hubspotCalls(sandbox.callCounts(), /^POST .*\/crm\/v3\/imports$/);
      expect(started).toBeGreaterThan(0);
      expect(dry.run.status).toBe(real.run.status);
      expect(outcomes(await rowsOf(stack.app.store, dry.run.id))).toEqual(
        outcomes(await rowsOf(stack.app.store, real.run.id)),
      );
      expect(countsOf(dry.counts)).toEqual(countsOf(real.counts));
      expect(real.counts.subscribed).toBeGreaterThan(0);
      // One call starts each import and at least one reads its state.
      expect(plan.calls.import).toBe(2 * started);
      expect(plan.calls.upsert).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a dry run that fails leaves none of its copy of the cross-run state behind', async () => {
    const c = await openConsentStack(pool, 75);
    const { app, config } = c.stack;
    // One page fails for good (credentials refused) while the others write into the dry run's copy.
    c.mailchimpHooks.current = (real) => ({
      memberPage: async (params) => {
        if (params.status !== 'cleaned') return real.memberPage(params);
        await sleep(500);
        throw new AuthError('Mailchimp refused the API key (simulated)', 'mailchimp');
      },
    });
    const run = await startRun(app, {
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
      dryRun: true,
    });
    const dryKeys = () => app.redis.keys(`${config.queuePrefix}:dry:*`);
    await waitFor(
      'the dry run to fail',
      async () => (await app.store.getRun(run.id))?.status === 'failed',
      20_000,
    );
    await waitFor('its copy to be removed', async () => (await dryKeys()).length === 0, 30_000);
    expect(await app.store.getRun(run.id)).toMatchObject({ status: 'failed', dryRun: true });
  }, 120_000);
});
