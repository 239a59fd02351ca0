/**
 * Compares what a finished run left behind (the sandbox's HubSpot portal, the run's rows and counters) with the
 * expected state. Returns one line per kind of discrepancy, with a few examples, so a failing scenario says
 * what went wrong instead of "expected true".
 */
import type { RunSnapshot } from '../../../src/run/follow.ts';
import type { RunStore } from '../../../src/run/store.ts';
import type { RecordRow } from '../../../src/run/types.ts';
import type { HubSpotSnapshot } from '../../../src/sandbox/hubspot/index.ts';
import { invalid, writable, type ExpectedState } from '../../helpers/expected-state.ts';

/** The subscription type the tool writes (HUBSPOT_SUBSCRIPTION_NAME "Marketing Information" in the sandbox). */
export const MARKETING_SUBSCRIPTION_ID = '1001';

function problem(what: string, examples: string[]): string[] {
  if (examples.length === 0) return [];
  return [`${what}: ${examples.length} (e.g. ${examples.slice(0, 5).join(', ')})`];
}

export async function readRows(store: RunStore, runId: string): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  for await (const chunk of store.scanRows(runId)) rows.push(...chunk);
  return rows;
}

export function verifyHubSpot(hubspot: HubSpotSnapshot, expected: ExpectedState): string[] {
  const perEmail = new Map<string, number>();
  for (const c of hubspot.contacts) {
    const email = (c.email ?? '').toLowerCase();
    perEmail.set(email, (perEmail.get(email) ?? 0) + 1);
  }
  const statuses = hubspot.statuses;
  const subscribedNow = Object.entries(statuses).flatMap(([email, s]) =>
    Object.entries(s.subscriptions)
      .filter(([, sub]) => sub.status === 'SUBSCRIBED')
      .map(([id, sub]) => ({ email, id, legalBasis: sub.legalBasis })),
  );
  return [
    ...problem(
      'missing contacts',
      [...expected.contactEmails].filter((e) => !perEmail.has(e)),
    ),
    ...problem(
      'duplicate contacts',
      [...perEmail].filter(([, n]) => n > 1).map(([e, n]) => `${e}×${n}`),
    ),
    ...problem(
      'unexpected contacts',
      [...perEmail.keys()].filter((e) => !expected.contactEmails.has(e)),
    ),
    ...problem(
      'missing opt-outs',
      [...expected.optedOut].filter((e) => statuses[e]?.optedOutOfAll !== true),
    ),
    ...problem(
      'opt-outs nobody asked for',
      Object.entries(statuses)
        .filter(([e, s]) => s.optedOutOfAll && !expected.optedOut.has(e))
        .map(([e]) => e),
    ),
    ...problem(
      'SUBSCRIBED without consent',
      subscribedNow
        .filter((s) => s.id !== MARKETING_SUBSCRIPTION_ID || !expected.subscribed.has(s.email))
        .map((s) => `${s.email}/${s.id}`),
    ),
    ...problem(
      'SUBSCRIBED with a legal basis no source record gave',
      subscribedNow
        .filter((s) => {
          const allowed = expected.subscribed.get(s.email);
          return allowed && !allowed.has(s.legalBasis ?? '');
        })
        .map((s) => `${s.email}:${s.legalBasis}`),
    ),
    ...problem(
      'consent lost (not SUBSCRIBED)',
      [...expected.subscribed.keys()].filter(
        (e) => statuses[e]?.subscriptions[MARKETING_SUBSCRIPTION_ID]?.status !== 'SUBSCRIBED',
      ),
    ),
    ...problem(
      'resubscribe attempts',
      hubspot.history.resubscribeAttempts.map((a) => JSON.stringify(a)),
    ),
  ];
}

export function verifyRun(result: RunSnapshot, rows: RecordRow[], expected: ExpectedState): string[] {
  const { counts } = result;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const outcomes = counts.created + counts.updated + counts.unchanged + counts.skipped + counts.failed;
  const wrong: string[] = [];
  const missing: string[] = [];
  for (const [key, want] of expected.records) {
    const row = byKey.get(key);
    if (!row) {
      missing.push(key);
      continue;
    }
    if (invalid(want) && (row.outcome !== 'failed' || !row.reason)) wrong.push(`${key} not failed`);
    if (want.intent === null && row.outcome !== 'skipped') {
      wrong.push(`${key}: ${row.outcome} not skipped`);
    }
    if (writable(want) && !['created', 'updated', 'unchanged'].includes(row.outcome)) {
      wrong.push(`${key}: ${row.outcome} (${row.reason ?? ''})`);
    }
    if (writable(want) && want.intent === 'optOut' && row.consent === 'subscribed') {
      wrong.push(`${key}: opt-out reported subscribed`);
    }
  }
  const expectedStatus = expected.totals.failed > 0 ? 'completed_with_errors' : 'completed';
  return [
    ...(result.run.status === expectedStatus
      ? []
      : [`run ${result.run.status}, expected ${expectedStatus} (${result.run.error ?? 'no error'})`]),
    ...problem('source records without a row', missing),
    ...problem(
      'rows of records that do not exist',
      rows.filter((r) => !expected.records.has(r.key)).map((r) => r.key),
    ),
    ...problem('rows with the wrong outcome', wrong),
    ...problem(
      'counts',
      [
        counts.read === expected.totals.read ? '' : `read ${counts.read} ≠ ${expected.totals.read}`,
        outcomes === counts.read ? '' : `outcomes ${outcomes} ≠ read ${counts.read}`,
        counts.skipped === expected.totals.skipped
          ? ''
          : `skipped ${counts.skipped} ≠ ${expected.totals.skipped}`,
        counts.failed === expected.totals.failed ? '' : `failed ${counts.failed} ≠ ${expected.totals.failed}`,
        rows.length === expected.totals.read ? '' : `rows ${rows.length} ≠ ${expected.totals.read}`,
      ].filter(Boolean),
    ),
  ];
}
