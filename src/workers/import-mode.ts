/**
 * `--mode auto`: a migration imports (HubSpot CRM imports) when its sources announce at least
 * IMPORT_THRESHOLD records, and batch-upserts below it. Decided once, in the read phase, before any page is
 * read: the counts come from one small read per Mailchimp audience and status and one Constant Contact page.
 */
import { MAILCHIMP_STATUSES } from '../connectors/mailchimp/wire.ts';
import { runKeys } from '../run/keys.ts';
import type { RunInfo, RunMode } from '../run/types.ts';
import type { WorkerContext } from './context.ts';

async function announcedTotal(ctx: WorkerContext, run: RunInfo): Promise<number> {
  let total = 0;
  if (run.sources.includes('mailchimp')) {
    const mailchimp = ctx.mailchimp();
    const ids = run.audiences.length > 0 ? run.audiences : (await mailchimp.listAudiences()).map((a) => a.id);
    for (const audienceId of ids) {
      for (const status of MAILCHIMP_STATUSES) {
        total += (await mailchimp.memberPage({ audienceId, status, offset: 0, count: 1 })).totalItems;
      }
    }
  }
  if (run.sources.includes('constant-contact')) {
    const page = await ctx.constantContact().contactPage({ cursor: null });
    total += page.totalCount ?? page.contacts.length;
  }
  return total;
}

/** The run with its mode settled: `auto` becomes `import` or `batch` (stored, so every job sees the same). */
export async function resolveMode(ctx: WorkerContext, run: RunInfo): Promise<RunInfo> {
  if (run.mode !== 'auto' && run.mode !== 'import') return run;
  let mode: RunMode = run.mode;
  if (mode === 'auto') {
    const { threshold } = ctx.config.imports;
    const total = await announcedTotal(ctx, run);
    mode = total >= threshold && ctx.config.lists.kinds.length === 0 ? 'import' : 'batch';
    const why =
      ctx.config.lists.kinds.length > 0 && total >= threshold
        ? 'HUBSPOT_LISTS is on and imports carry no lists'
        : `IMPORT_THRESHOLD is ${threshold}`;
    await ctx.store.addNotice(
      run.id,
      `--mode auto: the sources announce ${total} record(s) and ${why}, so contacts are written by ${mode === 'import' ? 'HubSpot imports' : 'batch upserts'}.`,
    );
    await ctx.redis.hset(runKeys(ctx.config.queuePrefix, run.id).info, 'mode', mode);
  }
  if (mode === 'import' && ctx.config.lists.kinds.length > 0) {
    await ctx.store.addNotice(
      run.id,
      'Import mode carries no source lists (HUBSPOT_LISTS): an import returns no record ids. A later sync or --mode batch --full run adds them.',
    );
  }
  return { ...run, mode };
}
