import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { basic, testApp } from './harness.ts';

/** fetch() may not set Host; a raw request can, as a DNS-rebinding page's browser would send it. */
function withHost(
  url: string,
  path: string,
  host: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method,
        headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('dashboard without login (--no-auth, loopback only)', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;

  beforeAll(async () => {
    ({ app, cleanup } = testApp('no-auth', {
      HUBSPOT_ACCESS_TOKEN: 'test-token-not-real',
      MAILCHIMP_API_KEY: 'abc-us1',
    }));
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth: null, readOnly: false });
  });

  afterAll(async () => {
    await dash.close();
    await cleanup();
  });

  it('refuses a request whose Host is not a loopback name (DNS rebinding) and starts no run', async () => {
    const port = new URL(dash.url).port;
    for (const host of ['rebind.attacker.example', `rebind.attacker.example:${port}`, `10.0.0.1:${port}`]) {
      expect((await withHost(dash.url, '/runs', host)).status).toBe(403);
    }
    const post = await withHost(
      dash.url,
      '/api/runs',
      `rebind.attacker.example:${port}`,
      'POST',
      JSON.stringify({ source: 'mailchimp' }),
    );
    expect(post.status).toBe(403);
    expect(post.text).toMatch(/Host/);
    expect(await app.store.listRuns(10)).toEqual([]);
  });

  it('answers loopback names, with and without a port', async () => {
    const port = new URL(dash.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'localhost',
      `[::1]:${port}`,
      '127.0.0.1',
    ]) {
      expect((await withHost(dash.url, '/runs', host)).status).toBe(200);
    }
  });
});

describe('dashboard login throttling', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;
  const credentials = { user: 'ops', password: 'throttle-test-password' };

  beforeAll(async () => {
    ({ app, cleanup } = testApp('throttle'));
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth: credentials, readOnly: false });
  });

  afterAll(async () => {
    await dash.close();
    await cleanup();
  });

  it('answers 429 with Retry-After after 10 failed logins from one address, even for the right password', async () => {
    const wrong = { authorization: basic('ops', 'guess') };
    // A request without credentials is the browser asking for the login prompt, not a failed attempt.
    for (let i = 0; i < 3; i++) expect((await fetch(`${dash.url}/runs`)).status).toBe(401);
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${dash.url}/runs`, { headers: wrong })).status).toBe(401);
    }
    const limited = await fetch(`${dash.url}/runs`, { headers: wrong });
    expect(limited.status).toBe(429);
    const wait = Number(limited.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await limited.text()).toMatch(/Too many failed logins/);
    const right = { authorization: basic(credentials.user, credentials.password) };
    expect((await fetch(`${dash.url}/runs`, { headers: right })).status).toBe(429);
  });
});

describe('Content-Security-Policy and third-party loads', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;
  const credentials = { user: 'ops', password: 'csp-test-password' };
  const get = (path: string) =>
    fetch(`${dash.url}${path}`, {
      headers: { authorization: basic(credentials.user, credentials.password) },
    });

  beforeAll(async () => {
    ({ app, cleanup } = testApp('csp'));
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth: credentials, readOnly: false });
  });

  afterAll(async () => {
    await dash.close();
    await cleanup();
  });

  it.each(['/queues', '/queues/', '/runs', '/api/runs', '/healthz', '/metrics', '/nowhere'])(
    'sends a Content-Security-Policy with %s that allows nothing from another origin',
    async (path) => {
      const csp = (await get(path)).headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/https?:|\*/);
    },
  );

  it("serves Bull Board's page without its web fonts from a public CDN", async () => {
    const page = await (await get('/queues')).text();
    expect(page).toContain('static/js/');
    expect(page).not.toMatch(/(?:href|src)="(?:https?:)?\/\//);
  });
});
