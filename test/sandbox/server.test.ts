import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { Agent } from 'node:http';
import { parseConfig } from '../../src/config/env.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { vendorFor } from '../../src/sandbox/server.ts';

let sandbox: Sandbox;
let http: AxiosInstance;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 5,
    dataset: {
      mailchimp: { audiences: 1, membersPerAudience: 30 },
      constantContact: { contacts: 30 },
      hubspotPreexisting: { contacts: 10 },
    },
    limits: false,
  });
  http = axios.create({
    validateStatus: () => true,
    httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }),
  });
});

afterAll(async () => {
  await sandbox.close();
});

describe('composed sandbox', () => {
  it('routes by path prefix', () => {
    expect(vendorFor('/3.0/lists')).toBe('mailchimp');
    expect(vendorFor('/v3/contacts')).toBe('constantContact');
    expect(vendorFor('/oauth2/default/v1/token')).toBe('constantContact');
    expect(vendorFor('/crm/v3/objects/contacts/batch/upsert')).toBe('hubspot');
    expect(vendorFor('/communication-preferences/v4/statuses/a@b.c')).toBe('hubspot');
  });

  it('prints environment variables the worker config accepts', () => {
    const env = sandbox.env;
    const config = parseConfig({ ...env });
    expect(config.mailchimp?.baseUrl).toBe(`${sandbox.url}/3.0`);
    expect(config.constantContact?.tokenUrl).toBe(`${sandbox.url}/oauth2/default/v1/token`);
    expect(env.MAILCHIMP_API_KEY).toMatch(/^[^\s-]+-us\d$/);
    expect(env.MAILCHIMP_BASE_URL).toBe(`${sandbox.url}/3.0`);
    expect(env.HUBSPOT_BASE_URL).toBe(sandbox.url);
    expect(env.CONSTANT_CONTACT_BASE_URL).toBe(`${sandbox.url}/v3`);
    expect(env.CONSTANT_CONTACT_TOKEN_URL).toBe(`${sandbox.url}/oauth2/default/v1/token`);
    for (const key of [
      'HUBSPOT_ACCESS_TOKEN',
      'CONSTANT_CONTACT_CLIENT_ID',
      'CONSTANT_CONTACT_CLIENT_SECRET',
      'CONSTANT_CONTACT_REFRESH_TOKEN',
    ]) {
      expect(env[key]).toEqual(expect.any(String));
    }
  });

  it('counts calls per vendor, route pattern and status, including 401s and 429s', async () => {
    sandbox.resetCallCounts();
    const list = sandbox.dataset.mailchimp.lists[0]!.id;
    const auth = { username: 'u', password: sandbox.env.MAILCHIMP_API_KEY! };
    await http.get(`${sandbox.url}/3.0/lists/${list}/members`, { auth });
    await http.get(`${sandbox.url}/3.0/lists/${list}/members`, {
      auth: { username: 'u', password: 'wrong-us1' },
    });
    sandbox.faults.set({ mailchimp: { rateLimitBurst: 1 } });
    await http.get(`${sandbox.url}/3.0/lists/${list}/members`, { auth });
    const counts = sandbox.callCounts();
    expect(counts.mailchimp.routes['GET /3.0/lists/:listId/members']).toEqual({
      calls: 3,
      byStatus: { '200': 1, '401': 1, '429': 1 },
    });
    expect(counts.mailchimp.calls).toBe(3);
    expect(counts.hubspot.calls).toBe(0);
  });

  it('exposes HubSpot state, call counts and faults at GET /__admin/state', async () => {
    const state = (await http.get(`${sandbox.url}/__admin/state`)).data as Record<string, unknown>;
    expect(Object.keys(state)).toEqual(
      expect.arrayContaining(['hubspot', 'callCounts', 'faults', 'mailchimp', 'constantContact']),
    );
    expect(JSON.stringify(state.hubspot)).toEqual(JSON.stringify(sandbox.hubspot.snapshot()));
    expect((state.callCounts as { mailchimp: { calls: number } }).mailchimp.calls).toBeGreaterThan(0);
  });

  it('edits source data over the admin API and resets everything with POST /__admin/reset', async () => {
    const list = sandbox.dataset.mailchimp.lists[0]!;
    const member = list.members.find((m) => m.status === 'subscribed')!;
    const edited = await http.post<{ status: string }>(
      `${sandbox.url}/__admin/mailchimp/lists/${list.id}/members/${encodeURIComponent(member.email_address)}`,
      {
        status: 'unsubscribed',
      },
    );
    expect(edited.data.status).toBe('unsubscribed');
    const contact = sandbox.dataset.constantContact.contacts.find(
      (c) => c.email_address?.permission_to_send === 'explicit',
    )!;
    const perm = await http.post<{ email_address: { opt_out_date?: string } }>(
      `${sandbox.url}/__admin/constant-contact/contacts/${contact.contact_id}/permission`,
      { permission: 'unsubscribed' },
    );
    expect(perm.data.email_address.opt_out_date).toEqual(expect.any(String));
    const bad = await http.post(`${sandbox.url}/__admin/mailchimp/lists/nope/members/x`, {
      status: 'cleaned',
    });
    expect(bad.status).toBe(400);

    expect((await http.post(`${sandbox.url}/__admin/reset`)).status).toBe(200);
    expect(
      sandbox.mailchimp.members(list.id).find((m) => m.email_address === member.email_address)?.status,
    ).toBe('subscribed');
    expect(sandbox.constantContact.contact(contact.contact_id)?.email_address?.permission_to_send).toBe(
      'explicit',
    );
    expect(sandbox.callCounts().mailchimp.calls).toBe(0);
  });

  // Speed is bench/sandbox-hubspot.ts's to measure; this test checks that 10,000 concurrent upserts all land.
  it('serves 10,000 contacts through HubSpot batch upsert with limits off', async () => {
    const headers = { authorization: `Bearer ${sandbox.env.HUBSPOT_ACCESS_TOKEN}` };
    const batch = (b: number) => ({
      inputs: Array.from({ length: 100 }, (_, i) => {
        const email = `perf.${b}.${i}@example.com`;
        return { idProperty: 'email', id: email, properties: { email, firstname: `P${i}` } };
      }),
    });
    for (let wave = 0; wave < 25; wave++) {
      const res = await Promise.all(
        [0, 1, 2, 3].map((k) =>
          http.post(`${sandbox.url}/crm/v3/objects/contacts/batch/upsert`, batch(wave * 4 + k), { headers }),
        ),
      );
      expect(res.every((r) => r.status === 200)).toBe(true);
    }
    const written = sandbox.hubspot.snapshot().contacts.filter((c) => c.email?.startsWith('perf.'));
    expect(written).toHaveLength(10_000);
  });
});

describe('esp-sync sandbox', () => {
  it('prints export lines for the worker and the admin URL, then runs until killed', async () => {
    const child = spawn(
      process.execPath,
      ['src/cli/main.ts', 'sandbox', '--port', '0', '--members', '5', '--contacts', '5'],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // A failed assertion must not leave the sandbox running (it would keep jest alive).
    const stopOnFailure = setTimeout(() => child.kill('SIGKILL'), 29_000);
    stopOnFailure.unref();
    try {
      await checkSandboxCommand(child);
    } finally {
      clearTimeout(stopOnFailure);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

async function checkSandboxCommand(child: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const printed = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output in time; stderr: ${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${err}`)));
  });
  const url = /^export HUBSPOT_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(printed)?.[1];
  expect(url).toBeDefined();
  expect(printed).toMatch(/^export MAILCHIMP_API_KEY=[^\s-]+-us\d$/m);
  expect(printed).toContain(`export MAILCHIMP_BASE_URL=${url}/3.0`);
  expect(printed).toContain(`export CONSTANT_CONTACT_TOKEN_URL=${url}/oauth2/default/v1/token`);
  expect(printed).toContain(`${url}/__admin/state`);
  const state = await http.get(`${url}/__admin/state`);
  expect(state.status).toBe(200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
}
