/**
 * A worker process killed mid-run (SIGKILL: no cleanup at all) and a new one started finish the run
 * with the same HubSpot state as an uninterrupted run of the same seed, and no record is lost.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startRun } from '../../src/run/start.ts';
import { snapshot as runSnapshot, type RunSnapshot } from '../../src/run/follow.ts';
import { generateDataset, startSandbox } from '../../src/sandbox/index.ts';
import {
  constantContactRecords,
  expectedPeople,
  mailchimpRecords,
  preExisting,
} from '../helpers/expected-state.ts';
import { consentByEmail, consentOf, propertiesByEmail } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';
import { runEndsUnder, spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';
import { REDIS_URL } from '../helpers/redis.ts';

const OPTIONS = {
  seed: 61,
  mailchimp: { audiences: 2, membersPerAudience: 200 },
  constantContact: { contacts: 120 },
  overlap: 0.5,
  hubspotPreexisting: { contacts: 30, optedOutShare: 0.3 },
};
// Short locks so a killed worker's jobs are handed on within seconds (the defaults are 60 s and 30 s).
const WORKER_ARGS = ['--concurrency', '2', '--lock-duration', '3000', '--stalled-interval', '1000'];

const pool = new StackPool();
const processes: WorkerProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await pool.closeAll();
});

describe('a worker killed mid-run', () => {
  it('is replaced by a new process that finishes the run with the uninterrupted state', async () => {
    // The reference: the same seed, migrated without interruption.
    const reference = await pool.open({
      sandbox: { seed: 61, limits: false, dataset: generateDataset(OPTIONS) },
    });
    const clean = await reference.run({ sources: ['mailchimp', 'constant-contact'] });
    const want = reference.sandbox.hubspot.snapshot();
    await pool.closeStack(reference);

    // HubSpot answers slowly, so the run lasts long enough to be caught in the middle.
    const dataset = generateDataset(OPTIONS);
    const sandbox = await startSandbox({
      seed: 61,
      limits: false,
      dataset,
      faults: { hubspot: { latencyMs: 120 } },
    });
    pool.onClose(() => sandbox.close());
    const stack = await pool.open({ existingSandbox: sandbox, workers: false });
    const env = { ...sandbox.env, REDIS_URL, QUEUE_PREFIX: stack.config.queuePrefix };

    const first = spawnWorker(env, WORKER_ARGS);
    processes.push(first);
    const run = await startRun(stack.app, {
      sources: ['mailchimp', 'constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    let atKill: RunSnapshot | null = null;
    await waitFor(
      'the first worker to be part-way through the run',
      async () => {
        const s = await runSnapshot(stack.app.store, run.id);
        const active = await Promise.all(
          Object.values(stack.app.queues.byName).map((q) => q.getActiveCount()),
        );
        const busy = active.reduce((a, b) => a + b, 0) > 0;
        if (s && s.run.total !== null && busy && s.counts.read > 0 && s.counts.read < s.run.total / 2) {
          atKill = s;
          return true;
        }
        return false;
      },
      20_000,
    );
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const progress = atKill as RunSnapshot | null;
    expect(progress!.counts.read).toBeLessThan(progress!.run.total!);

    const second = spawnWorker(env, WORKER_ARGS);
    processes.push(second);
    const finished = await runEndsUnder(second, stack.app.store, run.id, 45_000);
    expect(finished.run.status).toBe(clean.run.status);

    // No record lost: every source record has its row, the counts are those of the clean run.
    const records = [...mailchimpRecords(dataset), ...constantContactRecords(dataset)];
    expect(finished.counts.read).toBe(records.length);
    const rows = await rowsOf(stack.app.store, run.id);
    expect([...rows.keys()].sort()).toEqual(records.map((r) => r.key).sort());
    // A batch HubSpot took but whose rows the killed worker never recorded is written again and then reads as
    // "updated" instead of "created"; everything about records and consent must match the clean run exactly.
    const { created, updated, unchanged, ...rest } = finished.counts;
    const { created: c0, updated: u0, unchanged: n0, ...cleanRest } = clean.counts;
    expect(rest).toEqual(cleanRest);
    expect(created + updated + unchanged).toBe(c0 + u0 + n0);

    // The same HubSpot: the same contacts, the same consent per email, and the same properties for everyone
    // with one source record. (With several records per email, fields the newest record lacks come from
    // whichever older record was written before it claimed the email, so they follow job order.)
    const got = sandbox.hubspot.snapshot();
    expect(got.contacts.map((c) => c.email).sort()).toEqual(want.contacts.map((c) => c.email).sort());
    expect(Object.fromEntries(consentByEmail(got))).toEqual(Object.fromEntries(consentByEmail(want)));
    const people = expectedPeople(records, preExisting(dataset.hubspot.contacts));
    const single = (props: Map<string, string>) =>
      Object.fromEntries([...props].filter(([email]) => people.get(email)?.records.length === 1));
    const singles = single(propertiesByEmail(want));
    expect(Object.keys(singles).length).toBeGreaterThan(300);
    expect(single(propertiesByEmail(got))).toEqual(singles);
    expect(got.history.resubscribeAttempts).toEqual([]);
    // And that state is the strictest one, not merely a repeatable one.
    for (const p of people.values()) {
      expect([p.email, consentOf(got, p.email).optedOutOfAll]).toEqual([p.email, p.optedOutOfAll]);
    }
  }, 80_000);
});
