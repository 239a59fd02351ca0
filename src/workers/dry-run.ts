/**
 * Dry runs (`migrate --dry-run`, `sync --dry-run`) go through the same jobs as a real run, with a context
 * that writes nothing anyone else reads:
 * - HubSpot is read for real and written through the dry sink (src/connectors/hubspot/dry-sink.ts), which
 *   answers each write as HubSpot would and keeps it in the run's plan;
 * - the cross-run state (consent ledger, list memberships) is a copy taken when the run's first job starts,
 *   under its own prefix, so the real ledger, fingerprints and held subscriptions stay as they were and the
 *   real run that follows does exactly what the dry run reported;
 * - no source lock is taken, no watermark moves (finalize), and no alert is sent.
 */
import type { HubSpotPort, HubSpotReadPort } from '../core/ports.ts';
import { createDryRunSink } from '../connectors/hubspot/dry-sink.ts';
import { ConfigError } from '../errors/index.ts';
import { AddressLocks } from '../ledger/address-locks.ts';
import { ledgerKeys } from '../ledger/keys.ts';
import { ConsentLedger } from '../ledger/ledger.ts';
import { DryPlanStore } from '../run/dry-plan.ts';
import type { WorkerContext } from './context.ts';
import { listMembershipKeys } from './list-membership-state.ts';

/** The copy lives a day longer than any dry run should take; finalize removes it. */
const COPY_TTL_SECONDS = 24 * 3600;

export const dryStatePrefix = (prefix: string, runId: string) => `${prefix}:dry:${runId}`;

/** Copies each key once (a marker key says it was done), atomically: a second worker finds the copy made. */
const COPY_STATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS, 2 do
  redis.call('COPY', KEYS[i], KEYS[i + 1], 'REPLACE')
  redis.call('EXPIRE', KEYS[i + 1], ARGV[1])
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return 1
`;

function crossRunKeys(prefix: string): string[] {
  const { addressLock: _locks, ...ledger } = ledgerKeys(prefix);
  return [...Object.values(ledger), ...Object.values(listMembershipKeys(prefix))];
}

const markerKey = (statePrefix: string) => `${statePrefix}:copied`;

/** Per process: whether a run is a dry run never changes, so it is asked once. */
const dryRuns = new Map<string, boolean>();
const contexts = new Map<string, WorkerContext>();
const REMEMBERED = 1000;

/** The context a job of this run works with: the worker's own, or the run's dry-run context. */
export async function contextForRun(ctx: WorkerContext, runId: string | undefined): Promise<WorkerContext> {
  if (!runId) return ctx;
  let dry = dryRuns.get(runId);
  if (dry === undefined) {
    dry = await ctx.store.isDryRun(runId);
    if (dryRuns.size >= REMEMBERED) dryRuns.clear();
    dryRuns.set(runId, dry);
  }
  if (!dry) return ctx;
  const known = contexts.get(runId);
  if (known) return known;
  const made = await dryRunContext(ctx, runId);
  if (contexts.size >= REMEMBERED) contexts.clear();
  contexts.set(runId, made);
  return made;
}

async function dryRunContext(ctx: WorkerContext, runId: string): Promise<WorkerContext> {
  const prefix = ctx.config.queuePrefix;
  const statePrefix = dryStatePrefix(prefix, runId);
  const from = crossRunKeys(prefix);
  const to = crossRunKeys(statePrefix);
  const pairs = from.flatMap((key, i) => [key, to[i]!]);
  await ctx.redis.eval(COPY_STATE, 1 + pairs.length, markerKey(statePrefix), ...pairs, COPY_TTL_SECONDS);
  const plan = new DryPlanStore(ctx.redis, prefix, runId, ctx.store.retentionSeconds);
  let sink: HubSpotPort | undefined;
  return {
    ...ctx,
    statePrefix,
    dryRun: true,
    ledger: new ConsentLedger(ctx.redis, statePrefix),
    addressLocks: new AddressLocks(ctx.redis, statePrefix),
    consentAlert: (event, message) => {
      ctx.logger.info({ runId, event }, `dry run: a real run would alert: ${message}`);
      return Promise.resolve();
    },
    // A dry run is no run for the metrics and alerts: nothing was written.
    runFinished: async () => {},
    hubspot: () => (sink ??= createDryRunSink(readable(ctx.hubspot()), plan)),
  };
}

function readable(port: HubSpotPort): HubSpotPort & HubSpotReadPort {
  if ('readContacts' in port && 'missingProperties' in port && 'subscriptionId' in port) {
    return port as HubSpotPort & HubSpotReadPort;
  }
  throw new ConfigError('A dry run needs a HubSpot connection that can read contacts: use the HubSpot sink.');
}

/** Removes a finished dry run's copy of the cross-run state. */
export async function dropDryRunState(ctx: WorkerContext, runId: string): Promise<void> {
  const statePrefix = dryStatePrefix(ctx.config.queuePrefix, runId);
  await ctx.redis.del(markerKey(statePrefix), ...crossRunKeys(statePrefix));
  contexts.delete(runId);
}
