import type { Logger } from 'pino';
import { errorMessage } from '../errors/index.ts';
import type { RunCounts, RunInfo } from '../run/types.ts';

export type AlertEvent =
  | {
      event: 'run_failed' | 'run_completed_with_errors';
      runId: string;
      status: string;
      counts: RunCounts;
      message: string;
    }
  | { event: 'no_worker'; queue: string; waiting: number; seconds: number; message: string }
  | { event: ConsentAlertEvent; message: string }
  | { event: VerifyAlertEvent; runId: string; counts: VerifyAlertCounts; message: string };

/**
 * What a scheduled verify found that a person must look at: an opt-out HubSpot does not hold (or whose answer
 * could not be read), or a marketing subscription no source consents to. Counts and the run id only: the
 * addresses are in the run's report.
 */
export type VerifyAlertEvent = 'opt_out_missing' | 'subscribed_without_consent';
export interface VerifyAlertCounts {
  optOutMissing: number;
  consentUnreadable: number;
  subscribedWithoutConsent: number;
}

/**
 * Consent problems a person must look at: HubSpot reported a resubscribe (undone at once), or opt-outs have
 * waited for HubSpot's confirmation for more than a day (opt-out laws give days, not weeks).
 */
export type ConsentAlertEvent = 'resubscribe_occurred' | 'opt_outs_pending_too_long';

export interface Alerter {
  /** Alerts when a run failed or finished with failed records; does nothing for a clean run. Never throws. */
  runFinished(run: RunInfo, counts: RunCounts): Promise<void>;
  /** Alerts that a queue has jobs waiting and no worker. Never throws. */
  noWorker(queue: string, waiting: number, seconds: number): Promise<void>;
  /** Alerts about a consent problem. Never throws. */
  consent(event: ConsentAlertEvent, message: string): Promise<void>;
  /** Alerts when a verify run found a missing opt-out or a subscription without consent; else nothing. Never throws. */
  verifyFound(runId: string, counts: VerifyAlertCounts): Promise<void>;
}

function verifyMessage(runId: string, c: VerifyAlertCounts): string {
  const parts = [];
  if (c.optOutMissing > 0) parts.push(`${c.optOutMissing} opt-out(s) HubSpot does not hold`);
  if (c.consentUnreadable > 0) parts.push(`${c.consentUnreadable} opt-out(s) HubSpot could not prove`);
  if (c.subscribedWithoutConsent > 0) {
    parts.push(`${c.subscribedWithoutConsent} subscription(s) without consent in any source`);
  }
  const fix =
    c.optOutMissing + c.consentUnreadable > 0 ? '; `esp-sync verify --fix` writes the opt-outs' : '';
  return `Verify run ${runId} found ${parts.join(', ')}: see its run page or \`esp-sync report ${runId}\`${fix}.`;
}

export interface AlerterOptions {
  /** ALERT_WEBHOOK_URL; a secret (it often carries a token), so it is never logged. */
  webhookUrl: string | undefined;
  logger: Logger;
  timeoutMs?: number;
}

function runMessage(run: RunInfo, counts: RunCounts): string {
  if (run.status === 'failed') return `Run ${run.id} failed: ${run.error ?? 'no reason recorded'}`;
  return `Run ${run.id} finished with ${counts.failed} failed record(s) of ${counts.read}; see the run page or \`esp-sync report ${run.id} --only failed\`.`;
}

/** Logs alerts as errors and, when a webhook is configured, posts a short JSON message to it. */
export function createAlerter(options: AlerterOptions): Alerter {
  const { webhookUrl, logger } = options;
  const timeoutMs = options.timeoutMs ?? 5000;

  async function post(alert: AlertEvent): Promise<void> {
    if (!webhookUrl) return;
    try {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) logger.warn({ event: alert.event, status: res.status }, 'alert webhook refused the alert');
    } catch (err) {
      logger.warn({ event: alert.event, err: errorMessage(err) }, 'alert webhook did not answer');
    }
  }

  async function send(alert: AlertEvent, context: Record<string, unknown>): Promise<void> {
    logger.error({ alert: alert.event, ...context }, alert.message);
    await post(alert);
  }

  return {
    async runFinished(run, counts) {
      if (run.status !== 'failed' && run.status !== 'completed_with_errors') return;
      const event = run.status === 'failed' ? 'run_failed' : 'run_completed_with_errors';
      const message = runMessage(run, counts);
      await send({ event, runId: run.id, status: run.status, counts, message }, { runId: run.id });
    },
    async noWorker(queue, waiting, seconds) {
      const message = `Queue ${queue} has ${waiting} job(s) waiting and no worker for ${seconds}s: start one with \`esp-sync worker\`.`;
      await send({ event: 'no_worker', queue, waiting, seconds, message }, { queue });
    },
    async consent(event, message) {
      await send({ event, message }, {});
    },
    async verifyFound(runId, counts) {
      const optOuts = counts.optOutMissing + counts.consentUnreadable;
      if (optOuts === 0 && counts.subscribedWithoutConsent === 0) return;
      const event = optOuts > 0 ? 'opt_out_missing' : 'subscribed_without_consent';
      await send({ event, runId, counts, message: verifyMessage(runId, counts) }, { runId });
    },
  };
}
