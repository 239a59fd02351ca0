/** The demo's exit code: invalid emails in the seeded data fail on purpose; anything else is a real problem. */
import { describe, expect, it } from '@jest/globals';
import { demoVerdict, type DemoVerdictInput } from '../../src/cli/demo-verdict.ts';
import type { RunSnapshot } from '../../src/run/follow.ts';
import { emptyCounts, type RunStatus } from '../../src/run/types.ts';

const FAILURES_COMMAND = 'QUEUE_PREFIX=esp-demo npx esp-sync report run-1 --only failed';

function input(
  status: RunStatus,
  failedReasons: (string | null)[],
  more: Partial<DemoVerdictInput> & { error?: string } = {},
): DemoVerdictInput {
  const snapshot: RunSnapshot = {
    run: {
      id: 'run-1',
      kind: 'migrate',
      sources: ['mailchimp', 'constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      status,
      createdAt: '2026-01-01T10:00:00.000Z',
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:00:09.000Z',
      total: 600,
      error: more.error ?? null,
      notices: [],
      retryOf: null,
      phase: 'done',
      subscribe: { total: 0, done: 0, startedAt: null },
      dryRun: false,
      cancelRequested: false,
    },
    counts: { ...emptyCounts(), read: 600, failed: failedReasons.length },
    breakdown: {},
  };
  return { snapshot, failedReasons, resubscribeAttempts: 0, failuresCommand: FAILURES_COMMAND, ...more };
}

describe('demoVerdict', () => {
  it('only invalid emails failed: exit 0, saying so and where to see them', () => {
    const v = demoVerdict(
      input('completed_with_errors', [
        'invalid email address "jane.doe@"',
        'invalid email address "bob at example.com"',
      ]),
    );
    expect(v.code).toBe(0);
    expect(v.lines).toEqual([
      `The demo did what the seeded data calls for: 2 records failed as the seeded data intends (invalid emails) — see ${FAILURES_COMMAND}`,
    ]);
  });

  it('nothing failed: exit 0', () => {
    expect(demoVerdict(input('completed', [])).code).toBe(0);
  });

  it('a failure the seeded data does not call for: exit 1, naming the reason', () => {
    const v = demoVerdict(
      input('completed_with_errors', ['invalid email address "x@"', 'HubSpot refused (400): boom']),
    );
    expect(v.code).toBe(1);
    expect(v.lines.join('\n')).toContain('1 failed records have reasons the seeded data does not call for');
    expect(v.lines.join('\n')).toContain('"HubSpot refused (400): boom"');
  });

  it('a failed row without a reason is not an intended failure', () => {
    expect(demoVerdict(input('completed_with_errors', [null])).code).toBe(1);
  });

  it('the run failed: exit 3 with its error', () => {
    const v = demoVerdict(input('failed', [], { error: 'HubSpot refused the token' }));
    expect(v.code).toBe(3);
    expect(v.lines[0]).toContain('HubSpot refused the token');
  });

  it('a resubscribe attempt is never intended: exit 1', () => {
    const v = demoVerdict(input('completed', [], { resubscribeAttempts: 2 }));
    expect(v.code).toBe(1);
    expect(v.lines[0]).toContain('2 attempts to resubscribe');
  });

  it('counts that disagree with the report: exit 1', () => {
    const base = input('completed_with_errors', ['invalid email address "x@"']);
    const v = demoVerdict({
      ...base,
      snapshot: { ...base.snapshot, counts: { ...base.snapshot.counts, failed: 3 } },
    });
    expect(v.code).toBe(1);
    expect(v.lines[0]).toContain('counts 3 failed records but its report holds 1');
  });
});
