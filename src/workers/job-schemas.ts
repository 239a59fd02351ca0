import { z } from 'zod';
import { RefusedJobError } from './job-signature.ts';
import { SCHEDULED_VERIFY_JOB } from '../run/schedules.ts';
import { PENDING_OPT_OUTS_JOB } from './opt-outs.ts';

const runId = z.string().min(1).max(100);
const phase = z.looseObject({ runId, step: z.enum(['started', 'waiting', 'tails']).optional() });
const record = z.looseObject({
  key: z.string().min(1),
  source: z.enum(['mailchimp', 'constant-contact']),
  email: z.string().min(3),
  consent: z.looseObject({ state: z.enum(['subscribe', 'none', 'optOut']) }),
  properties: z.record(z.string(), z.string()),
});
const page = z.looseObject({
  runId,
  chain: z.string().min(1),
  index: z.number().int().min(0),
  checkpoint: z.looseObject({ source: z.enum(['mailchimp', 'constant-contact']) }),
  // Under two batches (workers/batching.ts fullBatches); signed, checked in the processor.
  carry: z.array(record).max(200).optional(),
});
const candidate = z.looseObject({
  runId: z.string().optional(),
  email: z.string().min(3),
  keys: z.array(z.string()).min(1),
  fingerprints: z.array(z.string()),
  legalBasis: z.string(),
  explanation: z.string(),
});

/**
 * The shape of each job this tool creates, checked before its processor runs: a job added or edited by hand
 * into something else fails at once (and alone). Write batches are also signed (job-signature.ts), subscribe
 * batches and pending opt-outs check their contents against the run's own state in their processors.
 */
const SCHEMAS: Record<string, z.ZodType> = {
  'read-phase': phase,
  'subscribe-phase': phase,
  finalize: phase,
  'release-run': z.looseObject({ runId }),
  'source-page': page,
  'write-batch': z.looseObject({ runId, records: z.array(record).min(1).max(100) }),
  'subscribe-batch': z.looseObject({ runId, candidates: z.array(candidate).max(100) }),
  [PENDING_OPT_OUTS_JOB]: z.looseObject({ runId, emails: z.array(z.string()).max(100) }),
  [SCHEDULED_VERIFY_JOB]: z.looseObject({
    scheduleId: z.string().min(1),
    sources: z.array(z.enum(['mailchimp', 'constant-contact'])).min(1),
    audiences: z.array(z.string()),
    verifyRunId: runId.optional(),
  }),
};

export function checkJobData(name: string, data: unknown, jobId: string | undefined): void {
  const schema = SCHEMAS[name];
  if (!schema) return;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data';
    throw new RefusedJobError(
      `Refused ${name} job ${jobId ?? ''}: its data is not one this tool creates (${where}).`,
    );
  }
}
