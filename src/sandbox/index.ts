/**
 * startSandbox(): the three simulators, seeded by the generator, behind one loopback port.
 * Imports nothing from the worker, so the worker can be pointed at it through its ordinary environment.
 */
import { randomUUID } from 'node:crypto';
import { adminRouter } from './admin.ts';
import { CallCounter, type CallCounts } from './call-counts.ts';
import {
  createConstantContactSim,
  type ConstantContactSim,
  TOKEN_PATH,
  UNLIMITED,
} from './constant-contact/index.ts';
import { FaultInjector, type FaultConfig, type FaultSnapshot } from './faults.ts';
import { emptyDataset, generateDataset, type Dataset, type DatasetOptions } from './generator/index.ts';
import { createHubSpotSim, type HubSpotSim, type HubSpotSimOptions } from './hubspot/index.ts';
import { json, type SandboxResponse, type VendorSim } from './kit.ts';
import { createMailchimpSim, type MailchimpSim } from './mailchimp/index.ts';
import { startServer } from './server.ts';

export type { CallCounts, StatusCounts, VendorCounts } from './call-counts.ts';
export type { FaultConfig, FaultSettings, FaultSnapshot, Vendor } from './faults.ts';
export type { MailchimpSim, MemberPatch } from './mailchimp/index.ts';
export type { ConstantContactSim, CcContactPatch } from './constant-contact/index.ts';
export { generateDataset, type Dataset, type DatasetOptions } from './generator/index.ts';
export { subscriberHash } from './mailchimp/index.ts';

/** Credentials the sandbox accepts unless told otherwise. Fake by construction; safe to print. */
export const SANDBOX_DEFAULTS = {
  hubspotAccessToken: 'sandbox-hubspot-token',
  mailchimpApiKey: 'sandboxkey-us1',
  constantContactClientId: '5a4db0c5-cc00-4000-8000-000000000001',
  constantContactClientSecret: 'sandbox-client-secret',
  constantContactRefreshToken: 'sandbox-refresh-token-1',
} as const;

/** What "off" means for a limit: high enough that no benchmark reaches it. */
const OFF = 1_000_000_000;

export interface SandboxOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seeds the generator and fault injection. Default 1. */
  seed?: number;
  /** Generator options, a ready dataset, or 'none' for empty accounts. Default: a small generated dataset. */
  dataset?: DatasetOptions | Dataset | 'none';
  /** false switches every rate, concurrency and quota limit off (explicit vendor options still win). */
  limits?: boolean;
  /**
   * How the three APIs send optional fields that have no value: `null` (default) or left out. The vendors do
   * both, so the worker must accept both; a vendor option below wins.
   */
  optionalFields?: 'null' | 'omit';
  hubspot?: Partial<HubSpotSimOptions>;
  mailchimp?: { apiKey?: string; maxConcurrent?: number; optionalFields?: 'null' | 'omit' };
  constantContact?: {
    clientId?: string;
    clientSecret?: string;
    refreshToken?: string;
    accessTokenTtlSeconds?: number;
    requestsPerSecond?: number;
    dailyQuota?: number;
    refreshTokenMode?: 'rotating' | 'long-lived';
    autoApproveDevice?: boolean;
    devicePollIntervalSeconds?: number;
    optionalFields?: 'null' | 'omit';
  };
  faults?: FaultConfig;
}

export interface SandboxState {
  hubspot: unknown;
  callCounts: CallCounts;
  faults: FaultSnapshot;
  mailchimp: { lists: { id: string; name: string; members: number }[]; inFlight: number };
  constantContact: { contacts: number; requestsToday: number };
  seed: number;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  adminUrl: string;
  /** The worker's variables pointing at this sandbox. */
  env: Record<string, string>;
  hubspot: HubSpotSim;
  mailchimp: MailchimpSim;
  constantContact: ConstantContactSim;
  faults: FaultInjector;
  /** The seed data as generated (run-time edits do not change it). */
  dataset: Dataset;
  callCounts(): CallCounts;
  resetCallCounts(): void;
  /** HubSpot snapshot, call counts, faults and source summaries: what GET /__admin/state returns. */
  state(): SandboxState;
  /** Every simulator back to the seed data; counts and faults cleared (the start-up faults re-applied). */
  reset(): void;
  close(): Promise<void>;
}

const isDataset = (d: SandboxOptions['dataset']): d is Dataset =>
  typeof d === 'object' && 'mailchimp' in d && Array.isArray((d as Dataset).mailchimp.lists);

function buildDataset(options: SandboxOptions, seed: number): Dataset {
  if (options.dataset === 'none') return emptyDataset(seed);
  if (isDataset(options.dataset)) return options.dataset;
  return generateDataset({ seed, ...options.dataset });
}

/** HubSpot's error body; its 5xx bodies are JSON too. */
const hubspotError = (status: number, category: string, message: string): SandboxResponse =>
  json(status, { status: 'error', message, correlationId: randomUUID(), category });

function hubspotVendor(sim: HubSpotSim): VendorSim {
  return {
    router: sim.router,
    tooManyRequests: (policy) => sim.tooManyRequests(policy),
    locked: () =>
      hubspotError(423, 'LOCKED', 'The records are locked by another request; locks last for 2 seconds.'),
    migrating: (retryAfterSeconds) => ({
      ...hubspotError(477, 'MIGRATION_IN_PROGRESS', 'This account is being migrated; try again later.'),
      headers: { 'content-type': 'application/json;charset=utf-8', 'Retry-After': String(retryAfterSeconds) },
    }),
    serverError: (status) =>
      hubspotError(status, status === 500 ? 'INTERNAL_ERROR' : 'SERVICE_UNAVAILABLE', 'internal error'),
    notFound: (req) => hubspotError(404, 'OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path}`),
    methodNotAllowed: (req) =>
      hubspotError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`),
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 1;
  const limitsOn = options.limits !== false;
  const dataset = buildDataset(options, seed);

  const hubspotToken = options.hubspot?.accessTokens?.[0] ?? SANDBOX_DEFAULTS.hubspotAccessToken;
  const hubspot = createHubSpotSim({
    ...(limitsOn ? {} : { rateLimitPer10s: OFF, dailyLimit: OFF }),
    ...(options.optionalFields ? { optionalFields: options.optionalFields } : {}),
    ...options.hubspot,
    accessTokens: options.hubspot?.accessTokens ?? [hubspotToken],
  });
  hubspot.seedContacts(dataset.hubspot.contacts);

  const apiKey = options.mailchimp?.apiKey ?? SANDBOX_DEFAULTS.mailchimpApiKey;
  const mailchimp = createMailchimpSim({
    apiKey,
    maxConcurrent: options.mailchimp?.maxConcurrent ?? (limitsOn ? 10 : OFF),
    optionalFields: options.mailchimp?.optionalFields ?? options.optionalFields ?? 'null',
    lists: dataset.mailchimp.lists,
  });

  const cc = options.constantContact ?? {};
  const ccCreds = {
    clientId: cc.clientId ?? SANDBOX_DEFAULTS.constantContactClientId,
    clientSecret: cc.clientSecret ?? SANDBOX_DEFAULTS.constantContactClientSecret,
    refreshToken: cc.refreshToken ?? SANDBOX_DEFAULTS.constantContactRefreshToken,
  };
  const constantContact = createConstantContactSim({
    optionalFields: options.optionalFields ?? 'null',
    ...cc,
    ...ccCreds,
    requestsPerSecond: cc.requestsPerSecond ?? (limitsOn ? 4 : UNLIMITED),
    dailyQuota: cc.dailyQuota ?? (limitsOn ? 10_000 : OFF),
    data: dataset.constantContact,
  });

  const faults = new FaultInjector(seed, options.faults);
  const calls = new CallCounter();
  // The admin routes need the Sandbox object, which needs the server's URL first.
  const self: { sandbox?: Sandbox } = {};
  const server = await startServer(
    {
      vendors: { hubspot: hubspotVendor(hubspot), mailchimp, constantContact },
      faults,
      calls,
      admin: adminRouter(() => self.sandbox!),
    },
    options.port ?? 0,
    options.host ?? '127.0.0.1',
  );

  const url = server.url;
  const sandbox: Sandbox = {
    url,
    adminUrl: `${url}/__admin/state`,
    env: {
      HUBSPOT_BASE_URL: url,
      HUBSPOT_ACCESS_TOKEN: hubspotToken,
      MAILCHIMP_API_KEY: apiKey,
      MAILCHIMP_BASE_URL: `${url}/3.0`,
      CONSTANT_CONTACT_CLIENT_ID: ccCreds.clientId,
      CONSTANT_CONTACT_CLIENT_SECRET: ccCreds.clientSecret,
      CONSTANT_CONTACT_REFRESH_TOKEN: ccCreds.refreshToken,
      CONSTANT_CONTACT_BASE_URL: `${url}/v3`,
      CONSTANT_CONTACT_TOKEN_URL: `${url}${TOKEN_PATH}`,
    },
    hubspot,
    mailchimp,
    constantContact,
    faults,
    dataset,
    callCounts: () => calls.snapshot(),
    resetCallCounts: () => calls.reset(),
    state: () => ({
      hubspot: hubspot.snapshot(),
      callCounts: calls.snapshot(),
      faults: faults.snapshot(),
      mailchimp: {
        lists: mailchimp.listIds().map((id) => ({
          id,
          name: dataset.mailchimp.lists.find((l) => l.id === id)?.name ?? '',
          members: mailchimp.members(id).length,
        })),
        inFlight: mailchimp.inFlight(),
      },
      constantContact: {
        contacts: constantContact.contacts().length,
        requestsToday: constantContact.usedToday(),
      },
      seed,
    }),
    reset: () => {
      mailchimp.reset();
      constantContact.reset();
      hubspot.reset();
      hubspot.seedContacts(dataset.hubspot.contacts);
      calls.reset();
      faults.reset();
      faults.set(options.faults ?? {});
    },
    close: () => server.close(),
  };
  self.sandbox = sandbox;
  return sandbox;
}
