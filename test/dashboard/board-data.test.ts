import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Worker } from 'bullmq';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { basic, testApp } from './harness.ts';

const CREDENTIALS = { user: 'ops', password: 'board-data-password' };
const AUTH = basic(CREDENTIALS.user, CREDENTIALS.password);
/** What a Mailchimp member id is: the MD5 of the lowercased email. */
const MEMBER_MD5 = '0f5c6e3c1b0e4d0c9a8f7e6d5c4b3a29';

const writeBatch = {
  runId: 'run-1',
  ignoreFingerprints: false,
  records: [
    {
      key: `mailchimp:aud1:${MEMBER_MD5}`,
      source: 'mailchimp',
      sourceId: MEMBER_MD5,
      email: 'jane.doe@example.com',
      sourceStatus: 'subscribed',
      consent: {
        state: 'subscribe',
        legalBasis: 'CONSENT_WITH_NOTICE',
        explanation: 'opt-in from 203.0.113.7',
      },
      properties: { firstname: 'Janeth', lastname: 'Doerington', phone: '+46 70 123 45 67' },
      changedAt: '2026-01-01T00:00:00Z',
    },
  ],
};

const subscribeBatch = {
  runId: 'run-1',
  candidates: [
    {
      email: 'bob.smith@corp.example.org',
      keys: ['cc:c-1', 'mailchimp:aud1:m2'],
      fingerprints: ['fp-1', 'fp-2'],
      legalBasis: 'CONSENT_WITH_NOTICE',
      explanation: 'Signed up via form at 198.51.100.23',
    },
  ],
  secretNote: 'Janeth Doerington',
};

const ccPage = {
  runId: 'run-1',
  parent: { id: 'read-1', queue: 'bull:runs' },
  chain: 'updated',
  index: 2,
  checkpoint: {
    source: 'constant-contact',
    cursor: '/v3/contacts?cursor=abc',
    updatedAfter: '2024-05-01T12:00:00.000Z',
    note: 'Janeth Doerington',
  },
};

describe('job data on Bull Board', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;
  const get = async (path: string) =>
    JSON.stringify(await (await fetch(`${dash.url}${path}`, { headers: { authorization: AUTH } })).json());

  beforeAll(async () => {
    ({ app, cleanup } = testApp('board-data'));
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth: CREDENTIALS, readOnly: false });
    await app.queues.byName.hubspot.add('write-batch', writeBatch, { jobId: 'write-1' });
    await app.queues.byName.hubspot.add('subscribe-batch', subscribeBatch, { jobId: 'subscribe-1' });
    await app.queues.byName['constant-contact'].add('source-page', ccPage, { jobId: 'page-1' });
    const connection = app.redis.duplicate();
    const worker = new Worker(
      'mailchimp',
      () => {
        throw new Error(`HubSpot refused jane.doe@example.com (member ${MEMBER_MD5})`);
      },
      { connection, prefix: app.config.queuePrefix },
    );
    const failed = new Promise<void>((resolve) => worker.on('failed', () => resolve()));
    await app.queues.byName.mailchimp.add('page', { runId: 'run-1' }, { jobId: 'failed-1', attempts: 1 });
    await failed;
    await worker.close();
    connection.disconnect();
  });

  afterAll(async () => {
    await dash.close();
    await cleanup();
  });

  it('shows ids, counts and masked emails of a write batch, not names, phones, opt-in IPs or MD5s', async () => {
    for (const body of [
      await get('/queues/api/queues/hubspot/write-1'),
      await get('/queues/api/queues?activeQueue=hubspot&status=waiting&page=1'),
    ]) {
      expect(body).toContain('run-1');
      expect(body).toContain('j***@e***.com');
      expect(body).toContain('"recordCount":1');
      expect(body).toContain('subscribed');
      for (const secret of ['jane.doe', 'Janeth', 'Doerington', '123 45 67', '203.0.113.7', MEMBER_MD5]) {
        expect(body).not.toContain(secret);
      }
    }
  });

  it('shows a subscribe batch as masked emails and counts, without the consent explanation or unknown fields', async () => {
    const body = await get('/queues/api/queues/hubspot/subscribe-1');
    expect(body).toContain('b***@c***.org');
    expect(body).toContain('"candidateCount":1');
    for (const secret of ['bob.smith', '198.51.100.23', 'Janeth', 'fp-1']) {
      expect(body).not.toContain(secret);
    }
  });

  it('shows a source page’s chain and checkpoint fields from the allow-list, not the others', async () => {
    const body = await get('/queues/api/queues/constant-contact/page-1');
    expect(body).toContain('"chain":"updated"');
    expect(body).toContain('"source":"constant-contact"');
    expect(body).toContain('"updatedAfter":"2024-05-01T12:00:00.000Z"');
    expect(body).toContain('"hiddenFields":["note"]');
    expect(body).not.toContain('Janeth');
  });

  it('masks emails and MD5s in failedReason and stack traces', async () => {
    for (const body of [
      await get('/queues/api/queues/mailchimp/failed-1'),
      await get('/queues/api/queues?activeQueue=mailchimp&status=failed&page=1'),
    ]) {
      expect(body).toContain('HubSpot refused j***@e***.com');
      expect(body).toContain('stacktrace');
      expect(body).not.toContain('jane.doe@example.com');
      expect(body).not.toContain(MEMBER_MD5);
    }
  });
});
