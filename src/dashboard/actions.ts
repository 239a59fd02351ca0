import { z } from 'zod';
import type { App } from '../app.ts';
import {
  requireConstantContact,
  requireHubSpot,
  requireMailchimp,
  type Config,
  type SourceName,
} from '../config/env.ts';
import { ConfigError } from '../errors/index.ts';
import { isFinished } from '../run/follow.ts';
import { retryRefusal } from '../run/retryable.ts';
import { RunBusyError, startRun } from '../run/start.ts';
import type { RunInfo } from '../run/types.ts';

/**
 * What starting a run takes, as the CLI's migrate/sync options: --source, --audience, --full. `full` stays
 * accepted under the flag's name; `ignoreFingerprints` is what the run then shows.
 */
export const startRunBody = z
  .object({
    source: z.enum(['mailchimp', 'constant-contact', 'all']),
    audiences: z.array(z.string().min(1)).default([]),
    ignoreFingerprints: z.boolean().optional(),
    full: z.boolean().optional(),
    kind: z.enum(['migrate', 'sync']).default('migrate'),
    /** `--dry-run`: plan the run, write nothing. */
    dryRun: z.boolean().default(false),
  })
  .transform(({ full, ignoreFingerprints, ...rest }) => ({
    ...rest,
    ignoreFingerprints: ignoreFingerprints ?? full ?? false,
  }));
export type StartRunBody = z.infer<typeof startRunBody>;

/** A request the dashboard refuses with a status and a message meant for the person who sent it. */
export class ActionError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function sourcesOf(source: StartRunBody['source']): SourceName[] {
  return source === 'all' ? ['mailchimp', 'constant-contact'] : [source];
}

/** Throws ActionError 400 naming the variables when HubSpot or a source is not configured. */
export function requireConfigured(config: Config, sources: SourceName[]): void {
  try {
    requireHubSpot(config);
    if (sources.includes('mailchimp')) requireMailchimp(config);
    if (sources.includes('constant-contact')) requireConstantContact(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new ActionError(400, err.message);
    throw err;
  }
}

/** Sources this dashboard's configuration could start a run for (none without HubSpot). */
export function startableSources(config: Config): SourceName[] {
  if (!config.hubspot) return [];
  const out: SourceName[] = [];
  if (config.mailchimp) out.push('mailchimp');
  if (config.constantContact) out.push('constant-contact');
  return out;
}

export async function startRunFromRequest(app: App, body: StartRunBody): Promise<RunInfo> {
  const sources = sourcesOf(body.source);
  requireConfigured(app.config, sources);
  try {
    return await startRun(app, {
      sources,
      audiences: body.audiences,
      ignoreFingerprints: body.ignoreFingerprints,
      kind: body.kind,
      ...(body.dryRun ? { dryRun: true } : {}),
    });
  } catch (err) {
    if (err instanceof RunBusyError) throw new ActionError(409, err.message);
    throw err;
  }
}

/** A retry run over a finished run's failed records, exactly as `esp-sync retry-failed RUN_ID` starts one. */
export async function retryFailedRun(app: App, runId: string): Promise<RunInfo> {
  const run = await app.store.getRun(runId);
  if (!run) {
    throw new ActionError(404, `Run ${runId} does not exist (or its data expired after the retention time).`);
  }
  const refusal = retryRefusal(run);
  if (refusal) throw new ActionError(409, refusal);
  if (!isFinished(run)) {
    throw new ActionError(
      409,
      `Run ${runId} is still ${run.status}; retry its failures when it has finished.`,
    );
  }
  if ((await app.store.deadLetterCount(runId)) === 0) {
    throw new ActionError(
      409,
      `Run ${runId} has no failed records that can be retried (invalid data is fixed in the source; the next sync reads it again).`,
    );
  }
  // A retry only writes to HubSpot; the sources are not read again.
  requireConfigured(app.config, []);
  return startRun(app, {
    sources: run.sources,
    audiences: run.audiences,
    ignoreFingerprints: true,
    kind: 'retry',
    retryOf: runId,
  });
}

/** Asks a queued or running run to stop, exactly as `esp-sync cancel RUN_ID` does. */
export async function cancelRun(app: App, runId: string): Promise<RunInfo> {
  const run = await app.store.getRun(runId);
  if (!run) {
    throw new ActionError(404, `Run ${runId} does not exist (or its data expired after the retention time).`);
  }
  if (isFinished(run)) throw new ActionError(409, `Run ${runId} has already ended (${run.status}).`);
  return (await app.store.requestCancel(runId)) ?? run;
}

/** zod issues as one readable sentence ("source: Invalid option ..."). */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
