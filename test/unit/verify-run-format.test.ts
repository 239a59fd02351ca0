/**
 * How a verify run shows: its dashboard page (marked as a verify, progress, counts by kind, the differences with
 * every address masked), its line in `esp-sync runs`, its report and `verify --json` (streamed from the run's
 * keys), and the alert a scheduled verify raises (counts and run id, never an address).
 */
import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { runListLine } from '../../src/cli/commands/runs.ts';
import { renderVerifyRunPage, type VerifyPageData } from '../../src/dashboard/verify-run-page.ts';
import { createAlerter } from '../../src/monitoring/alerts.ts';
import { emptyCounts, type RunInfo } from '../../src/run/types.ts';
import type { Difference, DifferenceKind } from '../../src/verify/compare.ts';
import { verifyStatusText } from '../../src/verify/format.ts';
import { differenceLines, verifyJsonLines } from '../../src/verify/run-report.ts';
import type { VerifyRunStore } from '../../src/verify/run-store.ts';

const EMAIL = 'jane.doe@example.com';
const MD5 = '0123456789abcdef0123456789abcdef';

function run(extra: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 'run-v1',
    kind: 'verify',
    sources: ['mailchimp'],
    audiences: [],
    ignoreFingerprints: false,
    status: 'completed_with_errors',
    createdAt: '2026-01-01T10:00:00.000Z',
    startedAt: '2026-01-01T10:00:00.000Z',
    finishedAt: '2026-01-01T10:01:00.000Z',
    total: null,
    error: null,
    notices: [],
    retryOf: null,
    phase: 'done',
    subscribe: { total: 0, done: 0, startedAt: null },
    cancelRequested: false,
    ...extra,
  } as RunInfo;
}

const counts = (c: Partial<Record<DifferenceKind, number>> = {}): Record<DifferenceKind, number> => ({
  optOutMissing: 0,
  consentUnreadable: 0,
  subscribedWithoutConsent: 0,
  missingContact: 0,
  propertiesDiffer: 0,
  ...c,
});

const optOut: Difference = {
  kind: 'optOutMissing',
  email: EMAIL,
  keys: [`mailchimp:aud1:${MD5}`],
  detail: `a source record says opted out; HubSpot holds them not opted out (marketing SUBSCRIBED) for ${EMAIL}`,
};
const differ: Difference = {
  kind: 'propertiesDiffer',
  email: 'bob@example.org',
  keys: ['constant-contact:42'],
  detail: '1 property differs: firstname',
};

function pageData(extra: Partial<VerifyPageData>): VerifyPageData {
  return {
    run: run(),
    state: { progress: null, summary: null, counts: counts() },
    read: 0,
    differences: [],
    ...extra,
  };
}

/** A run store holding these differences (only what the report functions read). */
function storeOf(differences: Difference[]): VerifyRunStore {
  return {
    async *differences() {
      yield differences;
    },
  } as unknown as VerifyRunStore;
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('the run page of a verify', () => {
  it('marks it as a verify, counts each kind, lists the differences masked, and offers no retry', () => {
    const html = renderVerifyRunPage(
      pageData({
        read: 120,
        state: { progress: null, summary: null, counts: counts({ optOutMissing: 1, propertiesDiffer: 1 }) },
        differences: [optOut, differ],
      }),
      { readOnly: false },
    );
    expect(html).toContain('id="run-kind">verify<');
    expect(html).toMatch(
      /<tr data-kind="optOutMissing">\s*<th>opt-out not applied<\/th>\s*<td class="n">1<\/td>\s*<td class="error">\s*must be fixed/,
    );
    expect(html).toMatch(
      /<tr data-kind="consentUnreadable">\s*<th>consent unreadable<\/th>\s*<td class="n">0<\/td>\s*<td class="note">\s*ok/,
    );
    expect(html).toContain('j***@e***.com');
    expect(html).not.toContain('jane');
    expect(html).not.toContain('bob@');
    expect(html).not.toContain(MD5);
    expect(html).toContain(`${MD5.slice(0, 6)}…`);
    expect(html).not.toContain('retry-failed');
    expect(html).toContain('href="/runs/run-v1/report.csv"');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('while comparing: a progress bar of the people compared, a cancel button, and a refresh', () => {
    const html = renderVerifyRunPage(
      pageData({
        run: run({ status: 'running', finishedAt: null, phase: 'reading' }),
        read: 300,
        state: {
          progress: { step: 'comparing', read: 300, people: 200, compared: 50 },
          summary: null,
          counts: counts(),
        },
      }),
      { readOnly: false },
    );
    expect(html).toContain('aria-valuenow="50"');
    expect(html).toContain('Comparing with HubSpot: 50 of 200 people (25%), from 300 source records.');
    expect(html).toContain('id="cancel-run"');
    expect(html).toContain('No difference found so far.');
    expect(html).toContain('http-equiv="refresh"');
  });

  it('a finished verify without differences says HubSpot agrees', () => {
    const html = renderVerifyRunPage(pageData({ run: run({ status: 'completed' }), read: 10 }), {
      readOnly: true,
    });
    expect(html).toContain('HubSpot agrees with the sources.');
    expect(html).toContain('Finished: 10 source records read.');
    expect(html).not.toContain('id="cancel-run"');
  });
});

describe('a verify run elsewhere', () => {
  it('esp-sync runs: its differences instead of records failed', () => {
    const line = runListLine(
      {
        run: run(),
        counts: { ...emptyCounts(), read: 120 },
        differences: counts({ optOutMissing: 2, consentUnreadable: 1, propertiesDiffer: 4 }),
      },
      Date.parse('2026-01-01T10:05:00.000Z'),
    );
    expect(line).toContain('verify mailchimp');
    expect(line.endsWith('read 120, differences 7 (opt-outs missing 3)')).toBe(true);
  });

  it('esp-sync status: where it is, then its differences by kind', () => {
    const comparing = verifyStatusText(
      { id: 'run-v1', status: 'running', error: null },
      {
        progress: { step: 'comparing', read: 300, people: 200, compared: 100 },
        summary: null,
        counts: counts(),
      },
      300,
    );
    expect(comparing.split('\n')[0]).toBe(
      'Verify run run-v1: running (compared 100 of 200 people with HubSpot, from 300 source records)',
    );
    const done = verifyStatusText(
      { id: 'run-v1', status: 'completed_with_errors', error: null },
      {
        progress: { step: 'comparing', read: 300, people: 200, compared: 200 },
        summary: {} as never,
        counts: counts({ optOutMissing: 2 }),
      },
      300,
    );
    expect(done.split('\n')).toEqual([
      'Verify run run-v1: completed_with_errors, 300 records read',
      '  opt-out not applied         2  ← must be fixed',
      '  consent unreadable          0',
      '  subscribed without consent  0',
      '  missing contact             0',
      '  properties differ           0',
      '`esp-sync report run-v1` lists the differences.',
      '',
    ]);
  });

  it('its report: one CSV row or JSON element per difference', async () => {
    const csv = await collect(differenceLines(storeOf([optOut, differ]), 'run-v1', 'csv'));
    expect(csv[0]).toBe('kind,email,detail,keys');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2))).toEqual([
      ['optOutMissing', EMAIL],
      ['propertiesDiffer', 'bob@example.org'],
    ]);
    const json = await collect(differenceLines(storeOf([optOut, differ]), 'run-v1', 'json'));
    expect(JSON.parse(json.join('\n'))).toEqual([optOut, differ]);
    expect(JSON.parse((await collect(differenceLines(storeOf([]), 'r', 'json'))).join(''))).toEqual([]);
  });

  it('verify --json: the report object with its differences streamed into it', async () => {
    const head = { runId: 'run-v1', ok: false, counts: counts({ optOutMissing: 1 }) };
    const lines = await collect(verifyJsonLines(head, storeOf([optOut, differ]), 'run-v1'));
    expect(JSON.parse(lines.join('\n'))).toEqual({ ...head, differences: [optOut, differ] });
    const none = await collect(verifyJsonLines(head, storeOf([]), 'run-v1'));
    expect(JSON.parse(none.join(''))).toEqual({ ...head, differences: [] });
  });
});

describe('the alert of a scheduled verify', () => {
  function logged() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return {
      alerter: createAlerter({ webhookUrl: undefined, logger: pino({ level: 'info' }, stream) }),
      lines,
    };
  }

  it('opt_out_missing with the counts and the run id; nothing when all agree', async () => {
    const { alerter, lines } = logged();
    await alerter.verifyFound('run-v1', {
      optOutMissing: 0,
      consentUnreadable: 0,
      subscribedWithoutConsent: 0,
    });
    expect(lines).toEqual([]);
    await alerter.verifyFound('run-v1', {
      optOutMissing: 2,
      consentUnreadable: 1,
      subscribedWithoutConsent: 3,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, alert: 'opt_out_missing', runId: 'run-v1' });
    expect(lines[0]!.msg).toBe(
      'Verify run run-v1 found 2 opt-out(s) HubSpot does not hold, 1 opt-out(s) HubSpot could not prove, 3 subscription(s) without consent in any source: see its run page or `esp-sync report run-v1`; `esp-sync verify --fix` writes the opt-outs.',
    );
  });

  it('subscribed_without_consent when only subscriptions lack consent', async () => {
    const { alerter, lines } = logged();
    await alerter.verifyFound('run-v2', {
      optOutMissing: 0,
      consentUnreadable: 0,
      subscribedWithoutConsent: 1,
    });
    expect(lines[0]).toMatchObject({ alert: 'subscribed_without_consent', runId: 'run-v2' });
    expect(lines[0]!.msg).toBe(
      'Verify run run-v2 found 1 subscription(s) without consent in any source: see its run page or `esp-sync report run-v2`.',
    );
  });
});
