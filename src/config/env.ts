import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { LEGAL_BASES, type LegalBasis, type SourceName } from '../core/contact.ts';
import type { ListsPolicy } from '../core/lists.ts';
import { ConfigError } from '../errors/index.ts';
import type { EncryptionKeys } from '../lib/crypto.ts';
import { bool, encryptionKey, optionalString, optionalUrl, positiveInt, url } from './env-values.ts';
import { IMPORTS_ENV, importsPolicyFrom, type ImportsPolicy } from './imports.ts';
import { LISTS_ENV, listsPolicyFrom } from './lists.ts';

// The domain words live in core; re-exported for the modules that read them with the config.
export type { LegalBasis, SourceName };

/** Variables whose values are secrets: never printed, not even in validation errors. */
export const SECRET_VARIABLES = [
  'HUBSPOT_ACCESS_TOKEN',
  'MAILCHIMP_API_KEY',
  'CONSTANT_CONTACT_CLIENT_SECRET',
  'CONSTANT_CONTACT_REFRESH_TOKEN',
  'DASHBOARD_PASSWORD',
  'REDIS_URL',
  'ALERT_WEBHOOK_URL',
  'ESP_SYNC_ENCRYPTION_KEY',
  'ESP_SYNC_ENCRYPTION_KEY_PREVIOUS',
] as const;

const schema = z.object({
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?(-cluster)?:\/\//, {
        message:
          'must start with redis:// or rediss:// (redis-cluster:// or rediss-cluster:// for a Redis Cluster)',
      })
      .optional()
      .transform((v) => v ?? 'redis://127.0.0.1:6379'),
  ),
  QUEUE_PREFIX: optionalString.pipe(
    z
      .string()
      .regex(/^(\{[A-Za-z0-9_.-]+\}|[A-Za-z0-9_.-]+)$/, {
        message:
          'may only hold letters, digits, dot, dash and underscore, or be all in braces such as {esp-sync}',
      })
      .optional()
      .transform((v) => v ?? 'esp-sync'),
  ),
  LOG_LEVEL: optionalString.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  ),

  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_BASE_URL: url('https://api.hubapi.com'),
  HUBSPOT_SUBSCRIPTION_ID: optionalString.pipe(
    z.string().regex(/^\d+$/, { message: 'must be the numeric id of a subscription type' }).optional(),
  ),
  HUBSPOT_SUBSCRIPTION_NAME: optionalString.transform((v) => v ?? 'Marketing Information'),
  HUBSPOT_RATE_LIMIT: positiveInt(190),
  HUBSPOT_PROPERTY_GROUP: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, { message: 'must be lowercase letters, digits and underscores' })
      .optional()
      .transform((v) => v ?? 'esp_sync'),
  ),
  SUBSCRIBED_LEGAL_BASIS: optionalString.pipe(z.enum(LEGAL_BASES).optional().default('CONSENT_WITH_NOTICE')),
  IMPLICIT_LEGAL_BASIS: optionalString.pipe(
    z
      .enum([...LEGAL_BASES, 'NOT_SET'])
      .optional()
      .default('LEGITIMATE_INTEREST_OTHER'),
  ),
  ...LISTS_ENV,
  ...IMPORTS_ENV,

  MAILCHIMP_API_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[^\s-]+-[a-z]+\d+$/, { message: 'must look like <key>-<datacenter>, e.g. abc123-us6' })
      .optional(),
  ),
  MAILCHIMP_BASE_URL: optionalUrl,
  MAILCHIMP_MAX_CONNECTIONS: positiveInt(10),

  CONSTANT_CONTACT_CLIENT_ID: optionalString,
  CONSTANT_CONTACT_CLIENT_SECRET: optionalString,
  CONSTANT_CONTACT_REFRESH_TOKEN: optionalString,
  CONSTANT_CONTACT_BASE_URL: url('https://api.cc.email/v3'),
  CONSTANT_CONTACT_TOKEN_URL: url('https://authz.constantcontact.com/oauth2/default/v1/token'),
  CONSTANT_CONTACT_RATE_LIMIT: positiveInt(4),

  HTTP_TIMEOUT_MS: positiveInt(30_000),
  JOB_RETENTION_DAYS: positiveInt(7),
  WORKER_CONCURRENCY: positiveInt(4),

  ESP_SYNC_ENCRYPTION_KEY: encryptionKey,
  ESP_SYNC_ENCRYPTION_KEY_PREVIOUS: encryptionKey,

  DASHBOARD_USER: optionalString,
  DASHBOARD_PASSWORD: optionalString,
  DASHBOARD_READ_ONLY: bool(false),
  DASHBOARD_ACTIONS: optionalString.pipe(z.enum(['none', 'retry']).optional().default('none')),
  ALERT_WEBHOOK_URL: optionalUrl,
  ALERT_NO_WORKER_SECONDS: positiveInt(300),
});

type Raw = z.infer<typeof schema>;

export interface MailchimpConfig {
  apiKey: string;
  baseUrl: string;
  maxConnections: number;
}
export interface ConstantContactConfig {
  clientId: string;
  clientSecret: string;
  seedRefreshToken: string | undefined;
  baseUrl: string;
  tokenUrl: string;
  requestsPerSecond: number;
  /** ESP_SYNC_ENCRYPTION_KEY (and _PREVIOUS): tokens are stored in Redis only when this is set. */
  encryption?: EncryptionKeys;
}
export interface HubSpotConfig {
  accessToken: string;
  baseUrl: string;
  subscriptionId: string | undefined;
  subscriptionName: string;
  rateLimitPer10s: number;
  propertyGroup: string;
}

export interface Config {
  redisUrl: string;
  queuePrefix: string;
  logLevel: Raw['LOG_LEVEL'];
  httpTimeoutMs: number;
  jobRetentionDays: number;
  workerConcurrency: number;
  policy: { subscribedLegalBasis: LegalBasis; implicitLegalBasis: LegalBasis | 'NOT_SET' };
  /** Source lists carried over as HubSpot lists (HUBSPOT_LISTS, HUBSPOT_LIST_NAME_*). */
  lists: ListsPolicy;
  /** The import mode of migrations (IMPORT_*). */
  imports: ImportsPolicy;
  hubspot: HubSpotConfig | undefined;
  mailchimp: MailchimpConfig | undefined;
  constantContact: ConstantContactConfig | undefined;
  dashboard: {
    user: string | undefined;
    password: string | undefined;
    readOnly: boolean;
    /** Bull Board write actions allowed: none, or retrying failed and promoting delayed jobs. */
    actions: 'none' | 'retry';
  };
  alerts: { webhookUrl: string | undefined; noWorkerSeconds: number };
}

/** The datacenter is the part of a Mailchimp API key after the last dash ("…-us6" → "us6"). */
export function mailchimpBaseUrlFromKey(apiKey: string): string {
  const dc = apiKey.slice(apiKey.lastIndexOf('-') + 1);
  return `https://${dc}.api.mailchimp.com/3.0`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0] ?? 'configuration');
  return `${variable} is invalid: ${issue.message}. Fix it in .env or the environment.`;
}

/** Validates an environment (process.env by default) into a typed Config; throws ConfigError naming the variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first ? describeIssue(first) : 'The configuration is invalid.');
  }
  const e = parsed.data;
  const ccParts = [e.CONSTANT_CONTACT_CLIENT_ID, e.CONSTANT_CONTACT_CLIENT_SECRET];
  if (ccParts.some(Boolean) && !ccParts.every(Boolean)) {
    const missing = !e.CONSTANT_CONTACT_CLIENT_ID
      ? 'CONSTANT_CONTACT_CLIENT_ID'
      : 'CONSTANT_CONTACT_CLIENT_SECRET';
    throw new ConfigError(
      `${missing} is not set, but other Constant Contact variables are. Set both CONSTANT_CONTACT_CLIENT_ID and CONSTANT_CONTACT_CLIENT_SECRET.`,
    );
  }
  // On a Redis Cluster every key of ours must hash to one slot (multi-key Lua scripts, BullMQ's flows): the
  // prefix is a hash tag. https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
  if (/^rediss?-cluster:/.test(e.REDIS_URL) && !/^\{.+\}$/.test(e.QUEUE_PREFIX)) {
    throw new ConfigError(
      `QUEUE_PREFIX is invalid: REDIS_URL points at a Redis Cluster, so the prefix must be in braces (a hash tag), e.g. QUEUE_PREFIX={${e.QUEUE_PREFIX}}.`,
    );
  }
  return {
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    httpTimeoutMs: e.HTTP_TIMEOUT_MS,
    jobRetentionDays: e.JOB_RETENTION_DAYS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    policy: { subscribedLegalBasis: e.SUBSCRIBED_LEGAL_BASIS, implicitLegalBasis: e.IMPLICIT_LEGAL_BASIS },
    lists: listsPolicyFrom(e),
    imports: importsPolicyFrom(e),
    hubspot: e.HUBSPOT_ACCESS_TOKEN
      ? {
          accessToken: e.HUBSPOT_ACCESS_TOKEN,
          baseUrl: e.HUBSPOT_BASE_URL.replace(/\/+$/, ''),
          subscriptionId: e.HUBSPOT_SUBSCRIPTION_ID,
          subscriptionName: e.HUBSPOT_SUBSCRIPTION_NAME,
          rateLimitPer10s: e.HUBSPOT_RATE_LIMIT,
          propertyGroup: e.HUBSPOT_PROPERTY_GROUP,
        }
      : undefined,
    mailchimp: e.MAILCHIMP_API_KEY
      ? {
          apiKey: e.MAILCHIMP_API_KEY,
          baseUrl: (e.MAILCHIMP_BASE_URL ?? mailchimpBaseUrlFromKey(e.MAILCHIMP_API_KEY)).replace(/\/+$/, ''),
          maxConnections: e.MAILCHIMP_MAX_CONNECTIONS,
        }
      : undefined,
    constantContact:
      e.CONSTANT_CONTACT_CLIENT_ID && e.CONSTANT_CONTACT_CLIENT_SECRET
        ? {
            clientId: e.CONSTANT_CONTACT_CLIENT_ID,
            clientSecret: e.CONSTANT_CONTACT_CLIENT_SECRET,
            seedRefreshToken: e.CONSTANT_CONTACT_REFRESH_TOKEN,
            baseUrl: e.CONSTANT_CONTACT_BASE_URL.replace(/\/+$/, ''),
            tokenUrl: e.CONSTANT_CONTACT_TOKEN_URL,
            requestsPerSecond: e.CONSTANT_CONTACT_RATE_LIMIT,
            ...(e.ESP_SYNC_ENCRYPTION_KEY
              ? {
                  encryption: {
                    current: e.ESP_SYNC_ENCRYPTION_KEY,
                    previous: e.ESP_SYNC_ENCRYPTION_KEY_PREVIOUS,
                  },
                }
              : {}),
          }
        : undefined,
    dashboard: {
      user: e.DASHBOARD_USER,
      password: e.DASHBOARD_PASSWORD,
      readOnly: e.DASHBOARD_READ_ONLY,
      actions: e.DASHBOARD_READ_ONLY ? 'none' : e.DASHBOARD_ACTIONS,
    },
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL, noWorkerSeconds: e.ALERT_NO_WORKER_SECONDS },
  };
}

/** Loads .env (values already in the environment win) and validates it. */
export function loadConfig(): Config {
  loadDotenv({ quiet: true });
  return parseConfig(process.env);
}

/** Returns the HubSpot config or throws a ConfigError saying which variable to set. */
export function requireHubSpot(config: Config): HubSpotConfig {
  if (!config.hubspot) {
    throw new ConfigError(
      'HUBSPOT_ACCESS_TOKEN is not set: set it to a HubSpot private-app or service-key token (see .env.example).',
    );
  }
  return config.hubspot;
}

export function requireMailchimp(config: Config): MailchimpConfig {
  if (!config.mailchimp) {
    throw new ConfigError('MAILCHIMP_API_KEY is not set: set it to a Mailchimp API key such as abc123-us6.');
  }
  return config.mailchimp;
}

export function requireConstantContact(config: Config): ConstantContactConfig {
  if (!config.constantContact) {
    throw new ConfigError(
      'CONSTANT_CONTACT_CLIENT_ID and CONSTANT_CONTACT_CLIENT_SECRET are not set: set them, then run `esp-sync auth constant-contact` or set CONSTANT_CONTACT_REFRESH_TOKEN.',
    );
  }
  return config.constantContact;
}
