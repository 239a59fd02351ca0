/**
 * Jobs added or edited by hand (a dashboard, redis-cli) write nothing: a write batch must carry the run's own
 * signature of its records, and a subscribe batch writes only candidates the run collected or an earlier run
 * held. Each refusal fails the job at once with a reason, never retried.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Job, Queue } from 'bullmq';
import type { SourceContact } from '../../src/core/contact.ts';
import { QUEUE_NAMES } from '../../src/queue/queues.ts';
import { openConsentStack } from './helpers/consent-stack.ts';
import { consentOf, contactsByEmail } from './helpers/hubspot-state.ts';
import { StackPool, sleep, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

async function failedFor(queue: Queue, job: Job): Promise<string> {
  await waitFor(`job ${job.id} to fail`, async () => (await job.getState()) === 'failed', 20_000);
  const fresh = (await queue.getJob(job.id!)) as Job | undefined;
  expect(fresh?.attemptsMade).toBe(1);
  return fresh?.failedReason ?? '';
}

describe('forged jobs', () => {
  it('refuses a write batch and a subscribe batch the run did not create', async () => {
    const c = await openConsentStack(pool, 87);
    const { app, sandbox } = c.stack;
    const done = await c.run({ sources: ['mailchimp', 'constant-contact'] });
    const hubspot = app.queues.byName[QUEUE_NAMES.hubspot];
    const stranger = 'stranger@attacker.example';
    const record: SourceContact = {
      key: 'mailchimp:forged:1',
      source: 'mailchimp',
      sourceId: '1',
      email: stranger,
      sourceStatus: 'subscribed',
      consent: { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'forged' },
      properties: { firstname: 'Forged' },
      changedAt: null,
    };

    const write = await hubspot.add('write-batch', {
      runId: done.run.id,
      ignoreFingerprints: false,
      records: [record],
    });
    expect(await failedFor(hubspot, write)).toContain('its records were not created by the run');
    const signedElsewhere = await hubspot.add('write-batch', {
      runId: done.run.id,
      ignoreFingerprints: false,
      records: [record],
      signature: 'x'.repeat(43),
    });
    expect(await failedFor(hubspot, signedElsewhere)).toContain('its records were not created by the run');

    const subscribe = await hubspot.add('subscribe-batch', {
      runId: done.run.id,
      candidates: [
        {
          email: stranger,
          keys: [record.key],
          fingerprints: [''],
          legalBasis: 'CONSENT_WITH_NOTICE',
          explanation: 'x',
        },
      ],
    });
    expect(await failedFor(hubspot, subscribe)).toContain('none of its 1 candidate(s) was collected by run');

    // Records a page carries for the next one (batches stay full across pages) are signed like a batch.
    const source = app.queues.byName[QUEUE_NAMES.mailchimp];
    const page = await source.add('source-page', {
      runId: done.run.id,
      parent: { id: 'none', queue: 'none' },
      chain: 'forged',
      index: 1,
      checkpoint: { source: 'mailchimp', audienceId: 'forged' },
      carry: [record],
      carrySignature: 'x'.repeat(43),
    });
    expect(await failedFor(source, page)).toContain('its records were not created by the run');

    // Data of the wrong shape is refused before any processor runs.
    const misshapen = await hubspot.add('write-batch', { runId: done.run.id, records: [{ key: 'x' }] });
    expect(await failedFor(hubspot, misshapen)).toContain(
      'its data is not one this tool creates (records.0.source',
    );

    // A forged job does not stop a real run either: the run it names carries on.
    const going = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    await app.store.markStarted(going.id);
    const aimed = await hubspot.add('write-batch', {
      runId: going.id,
      ignoreFingerprints: false,
      records: [record],
    });
    expect(await failedFor(hubspot, aimed)).toContain('its records were not created by the run');
    await sleep(500); // the worker's failure handler runs after the job is marked failed
    expect((await app.store.getRun(going.id))?.status).toBe('running');

    const after = sandbox.hubspot.snapshot();
    expect(contactsByEmail(after).get(stranger)).toBeUndefined();
    expect(consentOf(after, stranger).marketing).toBeNull();
  }, 60_000);
});
