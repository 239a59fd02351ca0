/** verify's dependencies from the app's pieces (Redis, queues, run store, configuration). */
import type { App } from '../app.ts';
import { requireHubSpot } from '../config/env.ts';
import { createConstantContactSource } from '../connectors/constant-contact/index.ts';
import { createHubSpotSink } from '../connectors/hubspot/index.ts';
import { createMailchimpSource } from '../connectors/mailchimp/index.ts';
import { AddressLocks } from '../ledger/address-locks.ts';
import { ConsentLedger } from '../ledger/ledger.ts';
import { policyFromConfig } from '../mapping/policy.ts';
import { followRun, type RunSnapshot } from '../run/follow.ts';
import { startRun } from '../run/start.ts';
import type { FixDeps } from './fix.ts';
import type { VerifyDeps } from './verify.ts';

export function verifyDeps(
  app: Pick<App, 'config' | 'redis' | 'logger' | 'store' | 'queues'>,
  hooks: { progress?: (message: string) => void; onRunTick?: (s: RunSnapshot) => void } = {},
): { verify: VerifyDeps; fix: FixDeps } {
  const { config, redis, logger } = app;
  const common = { redis, keyPrefix: config.queuePrefix, timeoutMs: config.httpTimeoutMs, logger };
  const hubspot = createHubSpotSink(requireHubSpot(config), common);
  const { mailchimp, constantContact } = config;
  const ledger = new ConsentLedger(redis, config.queuePrefix);
  return {
    verify: {
      redis,
      prefix: config.queuePrefix,
      hubspot,
      readers: {
        ...(mailchimp ? { mailchimp: () => createMailchimpSource(mailchimp, common) } : {}),
        ...(constantContact
          ? { constantContact: () => createConstantContactSource(constantContact, common) }
          : {}),
      },
      ledger,
      propertyOwners: (emails) => ledger.ownersOf(emails),
      policy: policyFromConfig(config),
      ...(hooks.progress ? { progress: hooks.progress } : {}),
    },
    fix: {
      hubspot,
      locks: new AddressLocks(redis, config.queuePrefix),
      ledger,
      migrate: async (sources, audiences) => {
        if ((await app.queues.byName.runs.getWorkersCount()) === 0) {
          hooks.progress?.(
            'no worker is connected: start one with `esp-sync worker` (the migration waits for it)',
          );
        }
        const run = await startRun(app, { sources, audiences, ignoreFingerprints: true, kind: 'migrate' });
        hooks.progress?.(
          `full migration ${run.id} started for the missing contacts and differing properties`,
        );
        const final = await followRun(app.store, run.id, hooks.onRunTick ?? (() => undefined));
        return { runId: run.id, status: final.run.status };
      },
    },
  };
}
