/**
 * Shared pieces of the communication-preferences calls: the subscription type id (looked up once by name,
 * cached in the process and in Redis), the per-process "batch refused, one call per address" switches, and
 * small helpers for matching per-address answers.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HubSpotConfig } from '../../config/env.ts';
import { canonicalEmail } from '../../core/contact.ts';
import { ConfigError } from '../../errors/index.ts';
import type { HubSpotTransport } from './client.ts';
import { scopeError } from './errors.ts';
import { definitionsSchema, type HubSpotErrorBody, type SubscriptionDefinition } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

export const CHANNEL_QUERY = { channel: 'EMAIL' } as const;
/**
 * Batch size for the v4-shaped batch calls; HubSpot documents no maximum:
 * https://developers.hubspot.com/docs/api-reference/legacy/communication-preferences/guide
 */
export const STATUS_BATCH_SIZE = 100;
const SUBSCRIPTION_ID_TTL_SECONDS = 24 * 60 * 60;

export interface PreferencesDeps {
  transport: HubSpotTransport;
  paths: HubSpotPaths;
  logger: Logger;
  redis: Redis;
  keyPrefix: string;
  config: Pick<HubSpotConfig, 'subscriptionId' | 'subscriptionName'>;
  /** Identifies the account for the per-process switches; never logged. */
  cacheKey: string;
}

/** Which batch endpoints this account refused with 403 (no Marketing Hub Enterprise), per process. */
export interface BatchRefusals {
  read: boolean;
  optOut: boolean;
  subscribe: boolean;
}
const refusals = new Map<string, BatchRefusals>();

export function batchRefusals(cacheKey: string): BatchRefusals {
  let state = refusals.get(cacheKey);
  if (!state) {
    state = { read: false, optOut: false, subscribe: false };
    refusals.set(cacheKey, state);
  }
  return state;
}

const BATCH_WHAT: Record<keyof BatchRefusals, string> = {
  read: 'batch consent read',
  optOut: 'batch opt-out',
  subscribe: 'batch subscription write',
};

/**
 * The one decision for a batch call HubSpot refused: a 403 means the portal lacks Marketing Hub Enterprise, so
 * this process switches that kind of call to one address at a time for good (said once); any other refusal
 * sends only this chunk one by one. Callers then make the per-address calls.
 * https://developers.hubspot.com/docs/api-reference/latest/communication-preferences/guide
 */
export function onBatchRefused(
  deps: Pick<PreferencesDeps, 'cacheKey' | 'logger'>,
  kind: keyof BatchRefusals,
  rejection: { status: number; message: string },
): void {
  const refused = batchRefusals(deps.cacheKey);
  if (rejection.status !== 403) {
    deps.logger.warn(
      { status: rejection.status, message: rejection.message },
      `HubSpot refused a ${BATCH_WHAT[kind]}; sending those addresses one at a time`,
    );
  } else if (!refused[kind]) {
    refused[kind] = true;
    deps.logger.warn(
      `${BATCH_WHAT[kind]} refused (403: needs Marketing Hub Enterprise); using one call per address`,
    );
  }
}

/** Forgets the per-process switches (tests). */
export function forgetBatchRefusals(): void {
  refusals.clear();
}

export function normalizedUnique(emails: string[]): string[] {
  return [...new Set(emails.map(canonicalEmail))];
}

/** Whether a batch error item is about this address (its context names it, or its message quotes it). */
export function errorMentions(error: HubSpotErrorBody, email: string): boolean {
  const values = Object.values(error.context ?? {}).flatMap((v): unknown[] => (Array.isArray(v) ? v : [v]));
  if (values.some((v) => typeof v === 'string' && canonicalEmail(v) === email)) return true;
  return canonicalEmail(error.message ?? '').includes(email);
}

export class SubscriptionTypeResolver {
  private readonly deps: PreferencesDeps;
  private pending: Promise<string> | undefined;
  constructor(deps: PreferencesDeps) {
    this.deps = deps;
  }

  /** HUBSPOT_SUBSCRIPTION_ID, else the id of the type named HUBSPOT_SUBSCRIPTION_NAME (looked up once). */
  subscriptionId(): Promise<string> {
    const configured = this.deps.config.subscriptionId;
    if (configured) return Promise.resolve(configured);
    this.pending ??= this.lookUp().catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }

  private get redisKey(): string {
    return `${this.deps.keyPrefix}:hubspot:subscription-id`;
  }

  private async lookUp(): Promise<string> {
    const name = this.deps.config.subscriptionName;
    const cached = await this.readCache(name);
    if (cached) return cached;

    const reply = await this.deps.transport.request({
      endpoint: this.deps.paths.subscriptionDefinitions,
      schema: definitionsSchema,
      passThrough: [403],
    });
    if (!reply.ok) {
      if (reply.rejection.status === 403) {
        throw scopeError(
          reply.rejection,
          'list the subscription types',
          this.deps.paths.scopes.definitionsRead,
        );
      }
      throw new ConfigError(
        `HubSpot refused to list the subscription types (${reply.rejection.status}): ${reply.rejection.message}`,
      );
    }
    const found = pickDefinition(reply.body, name);
    if (!found) {
      const available = reply.body.map((d) => `"${d.name}" (${d.id})`).join(', ') || 'none';
      throw new ConfigError(
        `HubSpot has no email subscription type named "${name}". Available: ${available}. ` +
          'Set HUBSPOT_SUBSCRIPTION_ID to the id, or HUBSPOT_SUBSCRIPTION_NAME to one of the names.',
      );
    }
    await this.writeCache(name, found.id);
    return found.id;
  }

  private async readCache(name: string): Promise<string | undefined> {
    try {
      const raw = await this.deps.redis.get(this.redisKey);
      if (!raw) return undefined;
      const value = JSON.parse(raw) as { name?: unknown; id?: unknown };
      // A cached id for another name (HUBSPOT_SUBSCRIPTION_NAME changed) does not count.
      return value.name === name && typeof value.id === 'string' ? value.id : undefined;
    } catch (err) {
      this.deps.logger.warn({ err }, 'Could not read the cached HubSpot subscription id; looking it up');
      return undefined;
    }
  }

  private async writeCache(name: string, id: string): Promise<void> {
    try {
      await this.deps.redis.set(
        this.redisKey,
        JSON.stringify({ name, id }),
        'EX',
        SUBSCRIPTION_ID_TTL_SECONDS,
      );
    } catch (err) {
      this.deps.logger.warn({ err }, 'Could not cache the HubSpot subscription id in Redis');
    }
  }
}

/** Same name (case and spacing ignored); an active email type of the default brand wins over the others. */
function pickDefinition(
  definitions: SubscriptionDefinition[],
  name: string,
): SubscriptionDefinition | undefined {
  const wanted = name.trim().toLowerCase();
  const matches = definitions.filter((d) => d.name.trim().toLowerCase() === wanted);
  const score = (d: SubscriptionDefinition) =>
    (d.isActive === false ? 0 : 4) +
    (!d.communicationMethod || /email/i.test(d.communicationMethod) ? 2 : 0) +
    (!d.businessUnitId ? 1 : 0);
  return matches.sort((a, b) => score(b) - score(a))[0];
}
