/** The rate and ETA of a run: a finished run's rate is measured over its own duration, not until now. */
import { describe, expect, it } from '@jest/globals';
import { progressOf, type RunSnapshot } from '../../src/run/follow.ts';
import { emptyCounts, type RunInfo, type RunStatus } from '../../src/run/types.ts';

function snapshotOf(status: RunStatus, read: number, times: Partial<RunInfo>): RunSnapshot {
  const run: RunInfo = {
    id: 'run-1',
    kind: 'migrate',
    sources: ['mailchimp'],
    audiences: [],
    ignoreFingerprints: false,
    status,
    createdAt: '2026-01-01T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    total: 1000,
    error: null,
    notices: [],
    retryOf: null,
    phase: 'done',
    subscribe: { total: 0, done: 0, startedAt: null },
    dryRun: false,
    cancelRequested: false,
    ...times,
  };
  return { run, counts: { ...emptyCounts(), read }, breakdown: {} };
}

describe('progressOf', () => {
  it('a finished run: rate over startedAt → finishedAt, the same however late it is asked', () => {
    const s = snapshotOf('completed', 1000, {
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:00:10.000Z',
    });
    const soon = progressOf(s, Date.parse('2026-01-01T10:00:11.000Z'));
    const anHourLater = progressOf(s, Date.parse('2026-01-01T11:00:10.000Z'));
    expect(soon.rate).toBe(100);
    expect(anHourLater.rate).toBe(100);
    expect(anHourLater.etaSeconds).toBeNull();
  });

  it('a running run: rate over startedAt → now, ETA from the records left', () => {
    const s = snapshotOf('running', 400, { startedAt: '2026-01-01T10:00:00.000Z' });
    const p = progressOf(s, Date.parse('2026-01-01T10:00:20.000Z'));
    expect(p.rate).toBe(20);
    expect(p.etaSeconds).toBe(30);
  });

  it('a failed run with a finish time uses that finish time too', () => {
    const s = snapshotOf('failed', 300, {
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:00:03.000Z',
    });
    expect(progressOf(s, Date.parse('2026-01-02T10:00:00.000Z')).rate).toBe(100);
  });
});
