import { FlowProducer, Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { queueBackoffMs } from '../http/retry.ts';
import type { SourceContact, SourceName } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';

/** The queues, one per kind of work, so a quota pause of one API never stalls the others. */
export const QUEUE_NAMES = {
  runs: 'runs',
  mailchimp: 'mailchimp',
  constantContact: 'constant-contact',
  hubspot: 'hubspot',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const SOURCE_QUEUE: Record<SourceName, QueueName> = {
  mailchimp: QUEUE_NAMES.mailchimp,
  'constant-contact': QUEUE_NAMES.constantContact,
};

export interface ParentRef {
  id: string;
  queue: string;
}

export interface PhaseJobData {
  runId: string;
  /** The read phase waits twice: for its pages and their batches, then for the batches of the chains' tails. */
  step?: 'started' | 'waiting' | 'tails';
}

/**
 * One page of a chain of source pages. The checkpoint belongs to the source's connector (its paging state);
 * the queue stores it as it is and hands it back to the connector for the next page.
 */
export interface SourcePageData<Checkpoint = unknown> {
  runId: string;
  parent: ParentRef;
  /** The chain's name within its source, stable across runs (an audience and status, a pass of a sync). */
  chain: string;
  /** Position in the chain. */
  index: number;
  checkpoint: Checkpoint;
  /** Records of earlier pages that did not fill a batch (workers/batching.ts), signed like a write batch. */
  carry?: SourceContact[];
  carrySignature?: string;
}

/** A HubSpot write of at most 100 source records with distinct emails: contacts' fields, never credentials. */
export interface WriteBatchData {
  runId: string;
  /** Write every record, even one whose fingerprint says HubSpot already has it (`--full`). */
  ignoreFingerprints: boolean;
  records: SourceContact[];
  /** HMAC of the records under the run's secret: the worker refuses batches it did not create. */
  signature?: string;
}

export interface SubscribeBatchData {
  runId: string;
  candidates: SubscribeCandidate[];
}

/** Job ids may not contain ":" in BullMQ; record keys and run ids are joined with dots. */
export function jobId(...parts: (string | number)[]): string {
  return parts.map((p) => String(p).replace(/:/g, '_')).join('.');
}

/** The workers' backoffStrategy handles this type: the error's own wait, else exponential (src/http/retry.ts). */
export const BACKOFF_TYPE = 'from-error';

/** Every Worker over these queues needs this, or BullMQ cannot retry a job ("Unknown backoff strategy"). */
export const WORKER_SETTINGS = {
  backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => queueBackoffMs(attemptsMade, err),
};

/**
 * Five attempts of a job, each sending a failing call at most 3 times in-process: at most 15 sends of one call,
 * over about 30 s of backoff (2 + 4 + 8 + 16 s, ±20 %) plus the request timeouts, unless the error asks for a
 * longer wait (a 477's Retry-After).
 */
export function defaultJobOptions(retentionDays: number): JobsOptions {
  const age = retentionDays * 24 * 3600;
  return {
    attempts: 5,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age },
    removeOnFail: { age },
  };
}

export interface Queues {
  connection: ConnectionOptions;
  prefix: string;
  /** Defaults for every job (FlowProducer does not apply a queue's defaults, so flows pass these). */
  jobOptions: JobsOptions;
  byName: Record<QueueName, Queue>;
  flow: FlowProducer;
  close(): Promise<void>;
}

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  retentionDays: number,
  onError: (err: Error) => void = () => undefined,
): Queues {
  const defaultJobOpts = defaultJobOptions(retentionDays);
  const byName = Object.fromEntries(
    Object.values(QUEUE_NAMES).map((name) => [
      name,
      new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOpts }),
    ]),
  ) as Record<QueueName, Queue>;
  const flow = new FlowProducer({ connection, prefix });
  // Without listeners BullMQ prints connection errors (a Redis restart) as stack traces to the console.
  for (const queue of Object.values(byName)) queue.on('error', onError);
  flow.on('error', onError);
  return {
    connection,
    prefix,
    jobOptions: defaultJobOpts,
    byName,
    flow,
    async close() {
      await Promise.all([...Object.values(byName).map((q) => q.close()), flow.close()]);
    },
  };
}
