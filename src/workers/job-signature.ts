import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { SourceContact } from '../core/contact.ts';
import type { WorkerContext } from './context.ts';

/**
 * Write batches carry an HMAC of their records under a secret only the run's own jobs know, so a job added or
 * edited by hand (Bull Board, redis-cli) cannot make the worker write contacts or subscriptions it never read.
 */
export function signRecords(secret: string, runId: string, records: SourceContact[]): string {
  return createHmac('sha256', secret)
    .update(runId)
    .update('\n')
    .update(JSON.stringify(records))
    .digest('base64url');
}

/**
 * A job the tool did not create (added or edited by hand): it fails at once with this reason and is never
 * retried, and it does not fail the run it names (a forged job must not be able to stop a real run either).
 */
export class RefusedJobError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedJobError';
  }
}

const secrets = new Map<string, string>();

export async function runSecretOf(ctx: WorkerContext, runId: string): Promise<string> {
  const cached = secrets.get(runId);
  if (cached) return cached;
  const secret = await ctx.store.runSecret(runId);
  if (!secret) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
  if (secrets.size > 1000) secrets.clear();
  secrets.set(runId, secret);
  return secret;
}

export async function verifyRecords(
  ctx: WorkerContext,
  runId: string,
  records: SourceContact[],
  signature: string | undefined,
): Promise<void> {
  const expected = Buffer.from(signRecords(await runSecretOf(ctx, runId), runId, records));
  const given = Buffer.from(signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RefusedJobError(
      `Refused a job of run ${runId}: its records were not created by the run (added or edited by hand).`,
    );
  }
}
