/**
 * `esp-sync doctor`: everything a migration needs, one line per check with what to fix. Nothing here
 * writes to a vendor: reads, and one empty HubSpot batch that cannot change anything.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import { createConstantContactSource, ccTokenKeys } from '../connectors/constant-contact/index.ts';
import { createHubSpotSink } from '../connectors/hubspot/index.ts';
import { createHubSpotProbe } from '../connectors/hubspot/probe.ts';
import { createMailchimpSource } from '../connectors/mailchimp/index.ts';
import { errorMessage, QuotaExhaustedError, RateLimitedError, TransientError } from '../errors/index.ts';
import { ConsentLedger } from '../ledger/ledger.ts';
import { createRedis, maskRedisUrl, pingRedis } from '../lib/redis.ts';
import { hubspotChecks } from './hubspot-checks.ts';
import { redisChecks } from './redis-checks.ts';
import { check, type Check, type DoctorReport } from './types.ts';

/** No retries of errors (a doctor reports them), but a few waits out a rate limit shared with running workers. */
const NO_RETRY = { retries: 0, maxRateLimitWaits: 3 };

/**
 * A refused credential fails the line; a limit, a quota or an outage says nothing about the credentials, so it
 * only warns (with the error's own message).
 */
function failureLine(id: string, label: string, err: unknown, fix: string): Check {
  if (
    err instanceof RateLimitedError ||
    err instanceof QuotaExhaustedError ||
    err instanceof TransientError
  ) {
    return check(
      id,
      label,
      'warn',
      `could not check now: ${errorMessage(err)}`,
      'Run esp-sync doctor again later.',
    );
  }
  return check(id, label, 'fail', errorMessage(err), fix);
}

export async function runDoctor(config: Config, logger: Logger): Promise<DoctorReport> {
  const where = maskRedisUrl(config.redisUrl);
  const { checks, redis } = await redisChecks(async () => {
    if (!(await pingRedis(config.redisUrl))) return new Error('Redis does not answer PING');
    const connection = createRedis(config.redisUrl);
    connection.on('error', (err) => logger.debug({ err: err.message }, 'Redis connection error'));
    return connection;
  }, where);
  try {
    checks.push(...(await apiChecks(config, logger, redis)));
    if (redis) checks.push(await pendingOptOutsCheck(new ConsentLedger(redis, config.queuePrefix)));
  } finally {
    redis?.disconnect();
  }
  return { canMigrate: checks.every((c) => c.status !== 'fail'), checks };
}

async function apiChecks(config: Config, logger: Logger, redis: Redis | null): Promise<Check[]> {
  const out: Check[] = [];
  const common = redis
    ? { redis, keyPrefix: config.queuePrefix, timeoutMs: config.httpTimeoutMs, logger, retry: NO_RETRY }
    : null;
  if (!config.hubspot) {
    out.push(
      check(
        'hubspot.token',
        'HubSpot token',
        'fail',
        'HUBSPOT_ACCESS_TOKEN is not set',
        'Set it to a HubSpot private-app or service-key token (see .env.example).',
      ),
    );
  } else {
    const sink = common ? createHubSpotSink(config.hubspot, common) : null;
    const probe = createHubSpotProbe(config.hubspot, config.httpTimeoutMs);
    const subscriptionId = sink ? () => sink.subscriptionId() : null;
    out.push(...(await hubspotChecks(config.hubspot, probe, subscriptionId, config.lists.kinds.length > 0)));
  }

  if (!config.mailchimp && !config.constantContact) {
    out.push(
      check(
        'sources',
        'Sources',
        'fail',
        'neither Mailchimp nor Constant Contact is configured',
        'Set MAILCHIMP_API_KEY, or CONSTANT_CONTACT_CLIENT_ID and CONSTANT_CONTACT_CLIENT_SECRET.',
      ),
    );
  }
  if (config.mailchimp) {
    const label = 'Mailchimp API key';
    if (!common) out.push(check('mailchimp.key', label, 'skip', 'not checked: needs Redis'));
    else {
      try {
        const audiences = await createMailchimpSource(config.mailchimp, common).listAudiences();
        out.push(check('mailchimp.key', label, 'ok', `accepted; ${audiences.length} audience(s)`));
      } catch (err) {
        out.push(failureLine('mailchimp.key', label, err, 'Set MAILCHIMP_API_KEY to a current key.'));
      }
    }
  }
  if (config.constantContact) out.push(...(await constantContactChecks(config, common)));
  return out;
}

async function constantContactChecks(
  config: Config,
  common: { redis: Redis; keyPrefix: string; timeoutMs: number; logger: Logger } | null,
): Promise<Check[]> {
  const cc = config.constantContact;
  if (!cc) return [];
  if (!common) return [check('constantContact', 'Constant Contact', 'skip', 'not checked: needs Redis')];
  const stored = (await common.redis.exists(ccTokenKeys(config.queuePrefix).refreshToken)) === 1;
  if (!stored && !cc.seedRefreshToken) {
    return [
      check(
        'constantContact.refreshToken',
        'Constant Contact refresh token',
        'fail',
        'none stored and CONSTANT_CONTACT_REFRESH_TOKEN is not set',
        'Run `esp-sync auth constant-contact` to get one.',
      ),
    ];
  }
  try {
    // Reading the account's definitions needs an access token: a refresh with the stored token when none is cached.
    const definitions = await createConstantContactSource(cc, { ...common, retry: NO_RETRY }).definitions();
    return [
      check(
        'constantContact.refreshToken',
        'Constant Contact refresh token',
        'ok',
        stored ? 'stored in Redis and usable' : 'taken from CONSTANT_CONTACT_REFRESH_TOKEN and usable',
      ),
      check(
        'constantContact.api',
        'Constant Contact API',
        'ok',
        `accepted; ${definitions.lists.size} list(s), ${definitions.customFields.size} custom field(s)`,
      ),
    ];
  } catch (err) {
    return [
      failureLine(
        'constantContact.api',
        'Constant Contact API',
        err,
        'Check CONSTANT_CONTACT_CLIENT_ID and _CLIENT_SECRET; for a refused token run `esp-sync auth constant-contact`.',
      ),
    ];
  }
}

async function pendingOptOutsCheck(ledger: ConsentLedger): Promise<Check> {
  const label = 'Pending opt-outs';
  try {
    const { count, oldestSince } = await ledger.pendingOptOutSummary();
    if (count === 0) return check('ledger.pendingOptOuts', label, 'ok', 'none waiting for HubSpot');
    return check(
      'ledger.pendingOptOuts',
      label,
      'warn',
      `${count} opt-out(s) from earlier runs not confirmed by HubSpot (oldest since ${oldestSince})`,
      'The next run sends them first; if they keep failing, see `esp-sync status` and the worker log.',
    );
  } catch (err) {
    return check('ledger.pendingOptOuts', label, 'warn', `could not read: ${errorMessage(err)}`);
  }
}
