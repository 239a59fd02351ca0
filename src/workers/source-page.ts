import { UnrecoverableError, type Job } from 'bullmq';
import type { MappedRecord, SourceContact } from '../core/contact.ts';
import type { CcDefinitions } from '../connectors/constant-contact/wire.ts';
import type { SourcePage } from '../core/source-pages.ts';
import { ccPages } from '../connectors/constant-contact/index.ts';
import { mailchimpPages } from '../connectors/mailchimp/index.ts';
import type { SourceCheckpoint } from '../connectors/source-checkpoint.ts';
import { mapCcContact } from '../mapping/constant-contact.ts';
import { mapMailchimpMember } from '../mapping/mailchimp.ts';
import { jobId, SOURCE_QUEUE, type ParentRef, type SourcePageData } from '../queue/queues.ts';
import { holdIfWritesPileUp } from './backpressure.ts';
import type { WorkerContext } from './context.ts';
import { runSecretOf, signRecords, verifyRecords } from './job-signature.ts';
import { dispatchMappedPage } from './mapped-records.ts';
import type { SignedRecords } from '../run/store.ts';

/** The job name of every source page, whatever its source. */
export const SOURCE_PAGE_JOB = 'source-page';

export type SourcePageJobData = SourcePageData<SourceCheckpoint>;

type StoredDefinitions = {
  customFields: [string, { name: string; label: string; type: string }][];
  lists: [string, string][];
  tags: [string, string][];
};

export function serializeDefinitions(d: CcDefinitions): StoredDefinitions {
  return { customFields: [...d.customFields], lists: [...d.lists], tags: [...d.tags] };
}

function deserializeDefinitions(d: StoredDefinitions): CcDefinitions {
  return { customFields: new Map(d.customFields), lists: new Map(d.lists), tags: new Map(d.tags) };
}

/** The queue entry of one page of a chain; ids from run, source, chain and index, so a re-read adds no copy. */
export function sourcePageJob(data: SourcePageJobData) {
  const source = data.checkpoint.source;
  return {
    queue: SOURCE_QUEUE[source],
    name: SOURCE_PAGE_JOB,
    data,
    opts: {
      jobId: jobId(data.runId, source, data.chain, data.index),
      parent: data.parent,
      failParentOnFailure: true,
    },
  };
}

/** The first page of a chain, a child of the read phase. */
export function firstPageData(
  runId: string,
  parent: ParentRef,
  first: { chain: string; checkpoint: SourceCheckpoint },
): SourcePageJobData {
  return { runId, parent, chain: first.chain, index: 0, checkpoint: first.checkpoint };
}

/** A page once mapped: the source's own records are not kept (a page of 1,000 is held across every await). */
type MappedPage = Omit<SourcePage<SourceCheckpoint, unknown>, 'records'> & { mapped: MappedRecord[] };

/**
 * Reads the page through its connector and maps its records with the source's pure mapper. The run's context
 * for the mapper (Mailchimp merge fields, Constant Contact definitions) is checked before anything is read.
 */
async function readAndMap(
  ctx: WorkerContext,
  runId: string,
  checkpoint: SourceCheckpoint,
): Promise<MappedPage> {
  if (checkpoint.source === 'mailchimp') {
    const context = await ctx.store.mailchimpAudience(runId, checkpoint.audienceId);
    if (!context) {
      throw new UnrecoverableError(
        `Run ${runId} has no Mailchimp context for audience ${checkpoint.audienceId}.`,
      );
    }
    const { records, next, total } = await mailchimpPages(ctx.mailchimp()).readPage(checkpoint);
    const mapping = { audience: context.audience, mergeFields: context.mergeFields, policy: ctx.policy };
    return { next, total, mapped: records.map((member) => mapMailchimpMember(member, mapping)) };
  }
  const stored = (await ctx.store.ccDefinitions(runId)) as StoredDefinitions | null;
  if (!stored) throw new UnrecoverableError(`Run ${runId} has no Constant Contact context.`);
  const { records, next, total } = await ccPages(ctx.constantContact()).readPage(checkpoint);
  const mapping = { definitions: deserializeDefinitions(stored), policy: ctx.policy };
  return { next, total, mapped: records.map((contact) => mapCcContact(contact, mapping)) };
}

/**
 * Reads one page of a chain, maps it, queues the write batches it fills (with what earlier pages carried), writes
 * the rest to the chain's tail and queues the next page carrying it; after the last page, the tail is the
 * chain's rest, which the read phase sends with every other chain's (workers/chain-tails.ts). The next page is
 * queued before this one completes, so the read phase cannot finish early. The first page of a chain records
 * the size the source announces for it.
 */
export async function processSourcePage(
  ctx: WorkerContext,
  job: Job<SourcePageJobData>,
  token: string,
): Promise<void> {
  const data = job.data;
  const run = await ctx.store.getRun(data.runId);
  if (!run) throw new UnrecoverableError(`Run ${data.runId} does not exist (expired or removed).`);
  const carried = await carriedRecords(ctx, data);
  const source = data.checkpoint.source;
  const chainId = `${source}.${data.chain}`;
  // A cancelled run reads no further page; what earlier pages carried is in the chain's tail already, and the
  // read phase sends it (its opt-outs are written).
  if (run.cancelRequested) return;
  // Run again after this page had queued the next one (a crash, a stalled job): its work is done.
  const next = sourcePageJob({ ...data, index: data.index + 1 });
  if ((await ctx.queues.byName[next.queue].getJobState(next.opts.jobId)) !== 'unknown') return;
  await holdIfWritesPileUp(ctx, job, token);

  const page = await readAndMap(ctx, data.runId, data.checkpoint);
  if (data.index === 0 && page.total !== null) {
    await ctx.store.setTotalPart(data.runId, `${source}:${data.chain}`, page.total);
  }
  const rest = await dispatchMappedPage(ctx, {
    runId: data.runId,
    ignoreFingerprints: run.ignoreFingerprints,
    parent: data.parent,
    pageId: `${chainId}.${data.index}`,
    mapped: page.mapped,
    carried,
  });
  // The rest is the chain's tail before the next page is queued: if that page never runs (the run fails, its
  // job is lost), the run's release still finds these records and fails them for retry-failed.
  const carry = signed(await runSecretOf(ctx, run.id), run.id, rest);
  await ctx.store.setChainTail(data.runId, chainId, carry);
  if (page.next) {
    const nextPage = sourcePageJob({
      ...data,
      index: data.index + 1,
      checkpoint: page.next,
      carry: carry.records,
      carrySignature: carry.signature,
    });
    await ctx.queues.byName[nextPage.queue].add(nextPage.name, nextPage.data, nextPage.opts);
  }
  await job.updateProgress(100);
}

function signed(secret: string, runId: string, records: SourceContact[]): SignedRecords {
  return { records, signature: signRecords(secret, runId, records) };
}

/** What earlier pages carried, refused unless the run's own jobs signed it (a carry edited by hand). */
async function carriedRecords(ctx: WorkerContext, data: SourcePageJobData): Promise<SourceContact[]> {
  const carried = data.carry ?? [];
  if (carried.length > 0) await verifyRecords(ctx, data.runId, carried, data.carrySignature);
  return carried;
}
