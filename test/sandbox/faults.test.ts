import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { AxiosError } from 'axios';
import axios, { type AxiosInstance } from 'axios';
import { FaultInjector, type FaultDecision } from '../../src/sandbox/faults.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

const decisions = (f: FaultInjector, n: number): FaultDecision[] =>
  Array.from({ length: n }, () => f.decide('hubspot'));

describe('FaultInjector', () => {
  it('fails about errorRate of requests with 500/502/503, the same ones for the same seed', () => {
    const a = new FaultInjector(9, { hubspot: { errorRate: 0.3 } });
    const b = new FaultInjector(9, { hubspot: { errorRate: 0.3 } });
    const runA = decisions(a, 2000);
    expect(decisions(b, 2000)).toEqual(runA);
    const errors = runA.filter((d) => d.kind === 'error');
    expect(errors.length / 2000).toBeGreaterThan(0.25);
    expect(errors.length / 2000).toBeLessThan(0.35);
    expect(new Set(errors.map((d) => (d.kind === 'error' ? d.status : 0)))).toEqual(new Set([500, 502, 503]));
    expect(a.counters().hubspot.errors).toBe(errors.length);
    expect(decisions(new FaultInjector(10, { hubspot: { errorRate: 0.3 } }), 2000)).not.toEqual(runA);
  });

  it('rate-limits exactly the next N requests of a burst', () => {
    const f = new FaultInjector(1);
    f.set({ mailchimp: { rateLimitBurst: 3 } });
    const kinds = Array.from({ length: 5 }, () => f.decide('mailchimp').kind);
    expect(kinds).toEqual(['rateLimit', 'rateLimit', 'rateLimit', 'none', 'none']);
    expect(f.decide('hubspot').kind).toBe('none');
    expect(f.counters().mailchimp.rateLimited).toBe(3);
  });

  it('clears faults per vendor and keeps counters until reset', () => {
    const f = new FaultInjector(1, { hubspot: { errorRate: 1 }, constantContact: { errorRate: 1 } });
    f.decide('hubspot');
    f.clear('hubspot');
    expect(f.decide('hubspot').kind).toBe('none');
    expect(f.decide('constantContact').kind).toBe('error');
    expect(f.counters().hubspot.errors).toBe(1);
    f.reset();
    expect(f.counters().hubspot.errors).toBe(0);
    expect(f.snapshot().settings).toEqual({});
  });
});

describe('faults through the sandbox', () => {
  let sandbox: Sandbox;
  let http: AxiosInstance;
  let ccToken: string;
  const mcAuth = () => ({ auth: { username: 'any', password: sandbox.env.MAILCHIMP_API_KEY! } });

  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: 3,
      dataset: {
        mailchimp: { audiences: 1, membersPerAudience: 20 },
        constantContact: { contacts: 20 },
        hubspotPreexisting: { contacts: 0 },
      },
      limits: false,
    });
    http = axios.create({ validateStatus: () => true });
    const token = await http.post<{ access_token: string }>(
      `${sandbox.env.CONSTANT_CONTACT_TOKEN_URL}?grant_type=refresh_token&refresh_token=${sandbox.env.CONSTANT_CONTACT_REFRESH_TOKEN}`,
      undefined,
      {
        auth: {
          username: sandbox.env.CONSTANT_CONTACT_CLIENT_ID!,
          password: sandbox.env.CONSTANT_CONTACT_CLIENT_SECRET!,
        },
      },
    );
    ccToken = token.data.access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.faults.clear();
  });

  it('answers a share of requests with the vendor 5xx body and counts them', async () => {
    sandbox.faults.set({ mailchimp: { errorRate: 0.5 } });
    const before = sandbox.faults.counters().mailchimp.errors;
    const results = await Promise.all(
      Array.from({ length: 60 }, () => http.get<{ status: number }>(`${sandbox.url}/3.0/ping`, mcAuth())),
    );
    const failed = results.filter((r) => r.status >= 500);
    expect(failed.length).toBeGreaterThan(15);
    expect(failed.length).toBeLessThan(45);
    expect(
      failed.every(
        (r) =>
          String(r.headers['content-type']).includes('application/problem+json') &&
          r.data.status === r.status,
      ),
    ).toBe(true);
    expect(sandbox.faults.counters().mailchimp.errors - before).toBe(failed.length);
    const counts = sandbox.callCounts().mailchimp.routes['GET /3.0/ping']!;
    expect(failed.reduce((n, r) => n + (r.status === 500 ? 1 : 0), 0)).toBe(counts.byStatus['500'] ?? 0);
  });

  it('sends each vendor its own 429 during a burst', async () => {
    sandbox.faults.set({
      hubspot: { rateLimitBurst: 1 },
      constantContact: { rateLimitBurst: 1 },
      mailchimp: { rateLimitBurst: 1 },
    });
    const hs = await http.post(
      `${sandbox.url}/crm/v3/objects/contacts/batch/read`,
      { idProperty: 'email', inputs: [{ id: 'x@example.com' }], properties: ['email'] },
      { headers: { authorization: `Bearer ${sandbox.env.HUBSPOT_ACCESS_TOKEN}` } },
    );
    expect(hs.status).toBe(429);
    expect(hs.data).toEqual(expect.objectContaining({ status: 'error' }));
    const cc = await http.get(`${sandbox.url}/v3/contacts`, {
      headers: { authorization: `Bearer ${ccToken}` },
    });
    expect([cc.status, cc.data]).toEqual([
      429,
      { error_key: 'throttled', error_message: 'Too Many Requests' },
    ]);
    const mc = await http.get<{ title: string }>(`${sandbox.url}/3.0/ping`, mcAuth());
    expect([mc.status, mc.data.title]).toEqual([429, 'Too Many Requests']);
    expect((await http.get(`${sandbox.url}/3.0/ping`, mcAuth())).status).toBe(200);
  });

  it('destroys the connection on a reset fault', async () => {
    sandbox.faults.set({ constantContact: { resetRate: 1 } });
    const err = await axios
      .get(`${sandbox.url}/v3/contacts`, { headers: { authorization: `Bearer ${ccToken}` } })
      .then(
        () => null,
        (e: unknown) => e as AxiosError,
      );
    expect(err?.code).toBe('ECONNRESET');
    expect(err?.response).toBeUndefined();
    expect(sandbox.faults.counters().constantContact.resets).toBeGreaterThan(0);
    expect(sandbox.callCounts().constantContact.byStatus.reset).toBeGreaterThan(0);
  });

  it('answers after the client timeout on a slow fault, having done the work', async () => {
    sandbox.faults.set({ hubspot: { slowRate: 1, slowMs: 800 } });
    const err = await axios
      .post(
        `${sandbox.url}/crm/v3/objects/contacts/batch/upsert`,
        {
          inputs: [
            {
              idProperty: 'email',
              id: 'slow.write@example.com',
              properties: { email: 'slow.write@example.com' },
            },
          ],
        },
        { headers: { authorization: `Bearer ${sandbox.env.HUBSPOT_ACCESS_TOKEN}` }, timeout: 200 },
      )
      .then(
        () => null,
        (e: unknown) => e as AxiosError,
      );
    expect(err?.code).toBe('ECONNABORTED');
    expect(JSON.stringify(sandbox.hubspot.snapshot())).toContain('slow.write@example.com');
    expect(sandbox.faults.counters().hubspot.slow).toBe(1);
  });

  it('adds latency', async () => {
    sandbox.faults.set({ mailchimp: { latencyMs: 250 } });
    const started = Date.now();
    expect((await http.get(`${sandbox.url}/3.0/ping`, mcAuth())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('is set and cleared over the admin API', async () => {
    const set = await http.post<{ settings: unknown }>(`${sandbox.url}/__admin/faults`, {
      constantContact: { errorRate: 1 },
    });
    expect(set.data.settings).toEqual({ constantContact: { errorRate: 1 } });
    const failed = await http.get(`${sandbox.url}/v3/contact_tags`, {
      headers: { authorization: `Bearer ${ccToken}` },
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.data).toEqual([{ error_key: expect.any(String), error_message: expect.any(String) }]);
    await http.delete(`${sandbox.url}/__admin/faults`);
    expect(
      (await http.get(`${sandbox.url}/v3/contact_tags`, { headers: { authorization: `Bearer ${ccToken}` } }))
        .status,
    ).toBe(200);
  });
});
