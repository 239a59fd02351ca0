/**
 * HubSpot prerequisites from harmless calls: the token, the scopes a migration needs, whether the batch
 * status endpoints work on this portal, the subscription type, and the portal's limits from HubSpot's own
 * headers (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
 */
import type { HubSpotConfig } from '../config/env.ts';
import type { HubSpotProbe, ProbeAnswer } from '../connectors/hubspot/probe.ts';
import { errorMessage } from '../errors/index.ts';
import { check, type Check } from './types.ts';

const ok2xx = (a: ProbeAnswer) => typeof a.status === 'number' && a.status >= 200 && a.status < 300;

/**
 * Pure: one scope line from one probe answer. 403 is the missing scope; the statuses in `allowed` (a 404 of
 * an unknown address, a 400 of an empty batch) prove the call got past the scope check.
 */
export function scopeCheck(
  id: string,
  label: string,
  answer: ProbeAnswer,
  scope: string,
  allowed: number[] = [],
): Check {
  if (ok2xx(answer) || (typeof answer.status === 'number' && allowed.includes(answer.status))) {
    return check(id, label, 'ok', `scope ${scope} granted`);
  }
  if (answer.status === 403) {
    const named = answer.missingScopes.length > 0 ? answer.missingScopes.join(', ') : scope;
    return check(
      id,
      label,
      'fail',
      `HubSpot refused ${answer.endpoint} (403${answer.category ? ` ${answer.category}` : ''}): the token lacks ${named}`,
      `Add the scope ${named} to the private app (Settings → Integrations → Private apps → Scopes) and set the new token in HUBSPOT_ACCESS_TOKEN.`,
    );
  }
  return check(
    id,
    label,
    'warn',
    `could not tell: ${answer.endpoint} answered ${answer.status}${answer.detail ? ` (${answer.detail})` : ''}`,
    'Run esp-sync doctor again in a minute; if it persists, check https://status.hubspot.com.',
  );
}

/** Pure: the token line from the first call. Null status line means "go on". */
export function tokenCheck(answer: ProbeAnswer, baseUrl: string): Check {
  const label = 'HubSpot token';
  if (answer.status === 'network') {
    return check(
      'hubspot.token',
      label,
      'fail',
      `no answer from ${baseUrl}: ${answer.detail}`,
      'Check HUBSPOT_BASE_URL and the network (proxy, firewall).',
    );
  }
  if (answer.status === 401) {
    return check(
      'hubspot.token',
      label,
      'fail',
      'HubSpot rejected HUBSPOT_ACCESS_TOKEN (401)',
      'Set HUBSPOT_ACCESS_TOKEN to a current private-app or service-key token of the right portal.',
    );
  }
  if (ok2xx(answer) || answer.status === 403) {
    return check('hubspot.token', label, 'ok', 'accepted');
  }
  return check(
    'hubspot.token',
    label,
    'warn',
    `${answer.endpoint} answered ${answer.status}${answer.detail ? ` (${answer.detail})` : ''}`,
    'Run esp-sync doctor again in a minute; if it persists, check https://status.hubspot.com.',
  );
}

/**
 * Pure: whether the batch status endpoints work. Without them (403: Marketing Hub Enterprise only) every
 * consent read costs two calls per address instead of two per 100, and every opt-out and subscription one
 * call per address instead of one per 100.
 */
export function batchStatusCheck(answer: ProbeAnswer, callsPer10s: number): Check {
  const label = 'HubSpot batch status endpoints';
  if (ok2xx(answer)) return check('hubspot.batchStatuses', label, 'ok', 'available (100 addresses a call)');
  if (answer.status === 403) {
    const perMinute = Math.floor((callsPer10s * 6) / 3);
    return check(
      'hubspot.batchStatuses',
      label,
      'warn',
      'refused (403: needs Marketing Hub Enterprise); the per-address fallback is used: 2 calls per address to ' +
        'read consent and 1 per opt-out or subscription, instead of 3 per 100 addresses; at ' +
        `${callsPer10s} calls per 10 s that is about ${perMinute.toLocaleString('en-US')} addresses a minute`,
      'Nothing to do for a migration to run; expect it to take longer. With Marketing Hub Enterprise the batch endpoints are used.',
    );
  }
  return scopeCheck('hubspot.batchStatuses', label, answer, 'subscription-status-batch-read');
}

const header = (answers: ProbeAnswer[], name: string): number | null => {
  for (const a of answers) {
    const raw = a.headers[name];
    if (raw !== undefined && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  }
  return null;
};

function usageFromBody(body: unknown): { limit: number; used: number } | null {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return null;
  const entries = results as { name?: unknown; usageLimit?: unknown; currentUsage?: unknown }[];
  const entry = entries.find((r) => r?.name === 'private-apps-api-calls-daily') ?? entries[0];
  const limit = Number(entry?.usageLimit);
  const used = Number(entry?.currentUsage);
  return Number.isFinite(limit) && Number.isFinite(used) && limit > 0 ? { limit, used } : null;
}

/** Pure: the burst limit and the daily budget left, from HubSpot's headers (or the usage endpoint). */
export function rateLimitChecks(
  answers: ProbeAnswer[],
  usage: ProbeAnswer | null,
  configured: number,
): Check[] {
  const out: Check[] = [];
  const max = header(answers, 'x-hubspot-ratelimit-max');
  const interval = header(answers, 'x-hubspot-ratelimit-interval-milliseconds');
  if (max !== null && interval !== null && interval > 0) {
    const per10s = Math.floor((max * 10_000) / interval);
    const note =
      configured > per10s
        ? `; HUBSPOT_RATE_LIMIT=${configured} is above it, so the workers use HubSpot's ${per10s}`
        : ` (HUBSPOT_RATE_LIMIT=${configured})`;
    out.push(check('hubspot.rateLimit', 'HubSpot burst limit', 'ok', `${per10s} calls per 10 s${note}`));
  } else {
    out.push(
      check(
        'hubspot.rateLimit',
        'HubSpot burst limit',
        'skip',
        `HubSpot sent no X-HubSpot-RateLimit headers; HUBSPOT_RATE_LIMIT=${configured} applies`,
      ),
    );
  }
  const daily = header(answers, 'x-hubspot-ratelimit-daily');
  const remaining = header(answers, 'x-hubspot-ratelimit-daily-remaining');
  const fromUsage = usage && ok2xx(usage) ? usageFromBody(usage.body) : null;
  const budget =
    daily !== null && remaining !== null
      ? { limit: daily, left: remaining }
      : fromUsage
        ? { limit: fromUsage.limit, left: Math.max(0, fromUsage.limit - fromUsage.used) }
        : null;
  if (!budget) {
    out.push(
      check('hubspot.daily', 'HubSpot daily budget', 'skip', 'HubSpot told nothing about the daily limit'),
    );
  } else if (budget.left === 0) {
    out.push(
      check(
        'hubspot.daily',
        'HubSpot daily budget',
        'warn',
        `used up (0 of ${budget.limit.toLocaleString('en-US')} left)`,
        "A run now pauses until midnight in the portal's time zone; start it after the reset.",
      ),
    );
  } else {
    const text = `${budget.left.toLocaleString('en-US')} of ${budget.limit.toLocaleString('en-US')} calls left today`;
    out.push(check('hubspot.daily', 'HubSpot daily budget', 'ok', text));
  }
  return out;
}

function definitionName(body: unknown, id: string): string | null {
  const b = body as { results?: unknown; subscriptionDefinitions?: unknown } | null;
  const list = Array.isArray(b?.results) ? b.results : b?.subscriptionDefinitions;
  if (!Array.isArray(list)) return null;
  const found = (list as { id?: unknown; name?: unknown }[]).find((d) => String(d?.id) === id);
  return typeof found?.name === 'string' ? found.name : null;
}

/** Every HubSpot line. `subscriptionId` is the sink's own lookup (null when Redis is not there for its cache). */
export async function hubspotChecks(
  config: HubSpotConfig,
  probe: HubSpotProbe,
  subscriptionId: (() => Promise<string>) | null,
  listsEnabled = false,
): Promise<Check[]> {
  const definitions = await probe.definitions();
  const token = tokenCheck(definitions, config.baseUrl);
  if (token.status === 'fail') {
    return [
      token,
      check(
        'hubspot.rest',
        'Other HubSpot checks',
        'skip',
        definitions.status === 'network'
          ? 'not run: HubSpot did not answer'
          : 'not run: HubSpot refused the token',
      ),
    ];
  }
  const scopes = probe.paths.scopes;
  const contactsRead = await probe.contactsRead();
  const contactsWrite = await probe.contactsWrite();
  const properties = await probe.properties();
  const statusRead = await probe.statusRead();
  const batch = await probe.statusesBatchRead();
  const answers = [definitions, contactsRead, contactsWrite, properties, statusRead, batch];
  const checks = [
    token,
    scopeCheck(
      'hubspot.scope.contactsRead',
      'HubSpot: read contacts',
      contactsRead,
      'crm.objects.contacts.read',
    ),
    scopeCheck(
      'hubspot.scope.contactsWrite',
      'HubSpot: write contacts',
      contactsWrite,
      'crm.objects.contacts.write',
      [400],
    ),
    scopeCheck(
      'hubspot.scope.schemasRead',
      'HubSpot: read properties',
      properties,
      'crm.schemas.contacts.read',
    ),
    scopeCheck(
      'hubspot.scope.definitions',
      'HubSpot: subscription types',
      definitions,
      scopes.definitionsRead,
    ),
    scopeCheck(
      'hubspot.scope.statusRead',
      'HubSpot: read subscription statuses',
      statusRead,
      scopes.statusRead,
      [404],
    ),
  ];
  if (listsEnabled) {
    // Only when HUBSPOT_LISTS carries source lists over: otherwise a run never calls the lists API.
    const [listsRead, listsWrite] = [await probe.listsRead(), await probe.listsWrite()];
    answers.push(listsRead, listsWrite);
    checks.push(
      scopeCheck('hubspot.scope.listsRead', 'HubSpot: read lists', listsRead, 'crm.lists.read', [404]),
      scopeCheck('hubspot.scope.listsWrite', 'HubSpot: write lists', listsWrite, 'crm.lists.write', [400]),
    );
  }
  const announced = header(answers, 'x-hubspot-ratelimit-max');
  checks.push(batchStatusCheck(batch, announced ?? config.rateLimitPer10s));
  checks.push(await subscriptionTypeCheck(config, definitions, subscriptionId));
  const usage =
    header(answers, 'x-hubspot-ratelimit-daily-remaining') === null ? await probe.dailyUsage() : null;
  checks.push(...rateLimitChecks(answers, usage, config.rateLimitPer10s));
  return checks;
}

async function subscriptionTypeCheck(
  config: HubSpotConfig,
  definitions: ProbeAnswer,
  subscriptionId: (() => Promise<string>) | null,
): Promise<Check> {
  const label = 'HubSpot subscription type';
  if (!subscriptionId) return check('hubspot.subscriptionType', label, 'skip', 'not checked: needs Redis');
  if (definitions.status === 403) {
    return check('hubspot.subscriptionType', label, 'skip', 'not checked: subscription types cannot be read');
  }
  try {
    const id = await subscriptionId();
    const name = definitionName(definitions.body, id);
    if (name === null && ok2xx(definitions)) {
      return check(
        'hubspot.subscriptionType',
        label,
        'fail',
        `the portal has no subscription type ${id}`,
        'Set HUBSPOT_SUBSCRIPTION_ID to the id of an email subscription type (Settings → Marketing → Email → Subscriptions).',
      );
    }
    const how = config.subscriptionId ? 'HUBSPOT_SUBSCRIPTION_ID' : `named "${config.subscriptionName}"`;
    return check('hubspot.subscriptionType', label, 'ok', `${id}${name ? ` "${name}"` : ''} (${how})`);
  } catch (err) {
    return check(
      'hubspot.subscriptionType',
      label,
      'fail',
      errorMessage(err),
      'Set HUBSPOT_SUBSCRIPTION_ID or HUBSPOT_SUBSCRIPTION_NAME to an email subscription type of the portal.',
    );
  }
}
