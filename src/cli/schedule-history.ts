import type { Job, Queue } from 'bullmq';
import { SCHEDULED_SYNC_JOB, SCHEDULED_VERIFY_JOB, type ScheduleInfo } from '../run/schedules.ts';
import type { RunStore } from '../run/store.ts';
import type { RunStatus } from '../run/types.ts';

/** The last time a schedule fired, and what came of it. */
export interface LastFiring {
  firedAt: string;
  /** The run it started; null when it was skipped or could not start. */
  runId: string | null;
  /** The run's status, "skipped" (the previous run still held the source) or "failed to start". */
  result: RunStatus | 'skipped' | 'failed to start' | 'expired';
  /** Why it was skipped or could not start. */
  detail: string | null;
}

/** How many of the newest finished jobs of the runs queue to look through: every run adds three of its own. */
const JOBS_TO_SEARCH = 1000;
const PAGE = 200;

function firedAt(job: Job): string {
  return new Date(job.finishedOn ?? job.processedOn ?? job.timestamp).toISOString();
}

/**
 * The last firing of each schedule, read from the finished scheduled-sync jobs BullMQ keeps (for
 * JOB_RETENTION_DAYS): a job's return value holds the run it started, or the run it was skipped for.
 */
export async function lastFirings(
  queue: Queue,
  store: RunStore,
  scheduleIds: string[],
): Promise<Map<string, LastFiring>> {
  const latest = new Map<string, Job>();
  for (const state of ['completed', 'failed'] as const) {
    // Newest first: a schedule found on an earlier page needs no later one.
    const found = new Set<string>();
    for (let start = 0; start < JOBS_TO_SEARCH && found.size < scheduleIds.length; start += PAGE) {
      const jobs = (await queue.getJobs(state, start, start + PAGE - 1)) as Job[];
      for (const job of jobs) {
        const id = (job.data as { scheduleId?: unknown } | undefined)?.scheduleId;
        const scheduled = job.name === SCHEDULED_SYNC_JOB || job.name === SCHEDULED_VERIFY_JOB;
        if (!scheduled || typeof id !== 'string' || !scheduleIds.includes(id)) continue;
        found.add(id);
        const seen = latest.get(id);
        if (!seen || (seen.finishedOn ?? 0) < (job.finishedOn ?? 0)) latest.set(id, job);
      }
      if (jobs.length < PAGE) break;
    }
  }
  const out = new Map<string, LastFiring>();
  for (const [id, job] of latest) out.set(id, await describeFiring(job, store));
  return out;
}

async function describeFiring(job: Job, store: RunStore): Promise<LastFiring> {
  const at = firedAt(job);
  const value = job.returnvalue as { runId?: unknown; skipped?: unknown } | null | undefined;
  if (job.failedReason || !value) {
    return { firedAt: at, runId: null, result: 'failed to start', detail: job.failedReason ?? null };
  }
  if (typeof value.skipped === 'string') {
    return { firedAt: at, runId: null, result: 'skipped', detail: `run ${value.skipped} was still running` };
  }
  const runId = typeof value.runId === 'string' ? value.runId : null;
  const run = runId ? await store.getRun(runId) : null;
  return { firedAt: at, runId, result: run?.status ?? 'expired', detail: run?.error ?? null };
}

/** One line of `esp-sync schedule list`. */
export function scheduleLine(s: ScheduleInfo, last: LastFiring | undefined): string {
  const audiences = s.audiences.length ? ` audiences ${s.audiences.join(',')}` : '';
  const zone = s.timezone ? ` (${s.timezone})` : '';
  const lastText = !last
    ? 'not fired yet'
    : `${last.firedAt}${last.runId ? ` run ${last.runId}` : ''}: ${last.result}${last.detail ? ` (${last.detail})` : ''}`;
  const what = s.kind === 'verify' ? 'verify ' : '';
  return `${s.id}: ${what}${s.sources.join('+')}${audiences} at "${s.cron}"${zone}, next ${s.next ?? '?'}, last ${lastText}, skipped ${s.skipped}`;
}
