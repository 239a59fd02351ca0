import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { createMetricsRecorder } from '../../src/monitoring/metrics.ts';
import { createWorkerContext } from '../../src/workers/context.ts';
import { startWorkers, type RunningWorkers } from '../../src/workers/index.ts';
import { parsePrometheus, sampleValue } from '../monitoring/prom-parse.ts';
import { browserTestSource, type BrowserTestSource } from './browser-ports.ts';
import { basic, testApp } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const USER = 'ops';
const PASSWORD = 'browser-test-password';

interface Observation {
  done: number;
  failures: number;
  status: string;
}

async function observe(page: Page): Promise<Observation> {
  const done = Number(await page.getAttribute('#run-progress', 'aria-valuenow'));
  const failures = await page.locator('#failures tbody tr').count();
  const status = (await page.textContent('#run-status'))?.trim() ?? '';
  return { done, failures, status };
}

describe('dashboard in a browser during a sandbox run (headless Chromium, real Redis, workers and connectors)', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let workers: RunningWorkers | undefined;
  let dash: RunningDashboard | undefined;
  let context: BrowserContext | undefined;
  let profileDir: string | undefined;
  let source: BrowserTestSource;

  beforeAll(async () => {
    source = await browserTestSource();
    ({ app, cleanup } = testApp('browser', source.env));
    const ctx = createWorkerContext({
      ...app,
      observe: createMetricsRecorder(app.redis, app.config.queuePrefix),
    });
    workers = startWorkers(ctx, { concurrency: 1 });
    dash = await startDashboard({
      app,
      port: 0,
      host: '127.0.0.1',
      auth: { user: USER, password: PASSWORD },
      readOnly: false,
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await dash?.close();
    await workers?.close();
    await cleanup();
    await source?.close();
  });

  it('refuses requests without credentials (401)', async () => {
    for (const path of ['/runs', '/queues', '/api/runs', '/metrics']) {
      const res = await fetch(`${dash!.url}${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Basic');
    }
    const wrong = await fetch(`${dash!.url}/runs`, { headers: { authorization: basic(USER, 'nope') } });
    expect(wrong.status).toBe(401);
  });

  it('logs in, sees the queues on Bull Board, starts a run and watches progress and failures grow', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium); CI installs it.`,
      );
    }
    profileDir = mkdtempSync(join(tmpdir(), 'esp-sync-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      httpCredentials: { username: USER, password: PASSWORD },
    });
    const page = await context.newPage();
    // Every load must stay on the dashboard's origin, and nothing may trip its Content-Security-Policy.
    const elsewhere: string[] = [];
    const violations: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`${dash!.url}/`) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });

    await page.goto(`${dash!.url}/queues`);
    for (const queue of ['runs', 'mailchimp', 'constant-contact', 'hubspot']) {
      await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 });
    }
    await page.getByText('hubspot', { exact: true }).first().click();
    await page.waitForLoadState('networkidle');
    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);

    await page.goto(`${dash!.url}/runs`);
    await page.selectOption('#start-run select[name=source]', 'mailchimp');
    await Promise.all([page.waitForURL(/\/runs\/[^/]+$/), page.click('#start-run button[type=submit]')]);
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    // The page reloads itself (meta refresh) while the run is going; record what each load shows.
    const seen: Observation[] = [await observe(page)];
    while (!['completed', 'completed_with_errors', 'failed'].includes(seen[seen.length - 1]!.status)) {
      await page.waitForEvent('load', { timeout: 10_000 });
      seen.push(await observe(page));
    }
    const running = seen.filter((o) => o.status === 'running' || o.status === 'queued');
    const doneWhileRunning = [...new Set(running.map((o) => o.done))];
    expect(doneWhileRunning.length).toBeGreaterThanOrEqual(2); // the bar moved between refreshes
    expect(seen.map((o) => o.done)).toEqual([...seen.map((o) => o.done)].sort((a, b) => a - b));
    const firstFailures = running.find((o) => o.failures > 0);
    expect(firstFailures).toBeDefined(); // failures appeared before the run ended
    expect(firstFailures!.failures).toBeLessThan(source.rejected); // ...and the table kept filling

    const last = seen[seen.length - 1]!;
    expect(last).toEqual({ done: source.total, failures: source.rejected, status: 'completed_with_errors' });
    await expect(page.locator('#failures').textContent()).resolves.toContain('c***@e***.com');
    await expect(page.locator('#failures').textContent()).resolves.not.toContain('@exa_mple.com');
    await page.locator('#retry-failed').waitFor();
    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);

    const run = (await (
      await fetch(`${dash!.url}/api/runs/${runId}`, { headers: { authorization: basic(USER, PASSWORD) } })
    ).json()) as { counts: { failed: number; created: number } };
    expect(run.counts).toMatchObject({ failed: source.rejected, created: source.total - source.rejected });

    const metrics = parsePrometheus(
      await (
        await fetch(`${dash!.url}/metrics`, { headers: { authorization: basic(USER, PASSWORD) } })
      ).text(),
    );
    expect(
      sampleValue(metrics, 'esp_sync_api_requests_total', { api: 'hubspot', status: '2xx' }),
    ).toBeGreaterThan(0);
  }, 120_000);
});
