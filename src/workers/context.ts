import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { requireConstantContact, requireHubSpot, requireMailchimp, type Config } from '../config/env.ts';
import type { ApiCallObserver, HubSpotPort } from '../core/ports.ts';
import type { MailchimpPort } from '../connectors/mailchimp/wire.ts';
import type { ConstantContactPort } from '../connectors/constant-contact/wire.ts';
import { createConstantContactSource } from '../connectors/constant-contact/index.ts';
import { createHubSpotSink } from '../connectors/hubspot/index.ts';
import { createMailchimpSource } from '../connectors/mailchimp/index.ts';
import { policyFromConfig, type ConsentPolicy } from '../mapping/policy.ts';
import type { Queues } from '../queue/queues.ts';
import type { RunStore } from '../run/store.ts';
import { AddressLocks } from '../ledger/address-locks.ts';
import { ConsentLedger } from '../ledger/ledger.ts';
import { errorMessage } from '../errors/index.ts';
import { createAlerter, type ConsentAlertEvent } from '../monitoring/alerts.ts';
import { createMetricsRecorder } from '../monitoring/metrics.ts';
import { reportRunFinished } from '../monitoring/run-finished.ts';

/** Everything a job processor needs. Connectors are created on first use, so an unconfigured source costs nothing. */
export interface WorkerContext {
  config: Config;
  redis: Redis;
  store: RunStore;
  /**
   * Prefix of the cross-run state (ledger, address locks, list memberships): the queue prefix, or a dry run's
   * own copy of that state (src/workers/dry-run.ts).
   */
  statePrefix: string;
  /** A dry run's context: HubSpot is read, never written. */
  dryRun: boolean;
  /** Cross-run consent state: per-record consent, owners, fingerprints, held subscriptions, pending opt-outs. */
  ledger: ConsentLedger;
  /** Opt-out writes and read-then-subscribe of one address never interleave across processes. */
  addressLocks: AddressLocks;
  queues: Queues;
  logger: Logger;
  policy: ConsentPolicy;
  /** Alerts about consent (a resubscribe HubSpot reported, opt-outs pending too long); never throws. */
  consentAlert(event: ConsentAlertEvent, message: string): Promise<void>;
  /** Adds a finished run to the metrics and alerts when it failed or has failures; never throws. */
  runFinished(runId: string): Promise<void>;
  hubspot(): HubSpotPort;
  mailchimp(): MailchimpPort;
  constantContact(): ConstantContactPort;
}

export interface PortOverrides {
  hubspot?: HubSpotPort;
  mailchimp?: MailchimpPort;
  constantContact?: ConstantContactPort;
}

export function createWorkerContext(deps: {
  config: Config;
  redis: Redis;
  store: RunStore;
  queues: Queues;
  logger: Logger;
  observe?: ApiCallObserver;
  ports?: PortOverrides;
}): WorkerContext {
  const { config, redis, logger } = deps;
  const observe =
    deps.observe ??
    createMetricsRecorder(redis, config.queuePrefix, (err) =>
      logger.warn({ err: errorMessage(err) }, 'could not record API metrics'),
    );
  const alerter = createAlerter({ webhookUrl: config.alerts.webhookUrl, logger });
  const common = { redis, keyPrefix: config.queuePrefix, timeoutMs: config.httpTimeoutMs, logger, observe };
  let hubspot = deps.ports?.hubspot;
  let mailchimp = deps.ports?.mailchimp;
  let constantContact = deps.ports?.constantContact;
  return {
    config,
    redis,
    store: deps.store,
    statePrefix: config.queuePrefix,
    dryRun: false,
    ledger: new ConsentLedger(redis, config.queuePrefix),
    addressLocks: new AddressLocks(redis, config.queuePrefix),
    queues: deps.queues,
    logger,
    policy: policyFromConfig(config),
    consentAlert: (event, message) => alerter.consent(event, message),
    runFinished: (runId) =>
      reportRunFinished({ redis, prefix: config.queuePrefix, store: deps.store, alerter, logger }, runId),
    hubspot: () => (hubspot ??= createHubSpotSink(requireHubSpot(config), common)),
    mailchimp: () => (mailchimp ??= createMailchimpSource(requireMailchimp(config), common)),
    constantContact: () =>
      (constantContact ??= createConstantContactSource(requireConstantContact(config), common)),
  };
}
