/**
 * Harmless calls for `esp-sync doctor`: reads, plus one empty batch write that HubSpot refuses before it
 * could change anything. Each answer comes back as it is (status, headers, parsed body), because the doctor
 * needs what a migration hides: the 401/403 itself, and the rate-limit headers.
 * Scopes per endpoint: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes
 *
 * The probe calls go around the shared rate limiter and the retry layer on purpose: at most ten calls, and
 * a 429 or a 5xx is itself something the doctor reports.
 */
import type { HubSpotConfig } from '../../config/env.ts';
import { errorMessage } from '../../errors/index.ts';
import { hubSpotClient } from './client.ts';
import { missingScopesFrom, rejectionFrom } from './errors.ts';
import { CHANNEL_QUERY } from './subscriptions.ts';
import { DEFAULT_HUBSPOT_VERSIONS, hubspotPaths, type Endpoint, type HubSpotPaths } from './versions.ts';

/** An address no portal holds (example.com is reserved): reads of it find nothing and change nothing. */
export const PROBE_EMAIL = 'esp-sync-doctor-probe@example.com';
const PROBE_LIST_NAME = 'esp-sync doctor probe (never created)';

export interface ProbeAnswer {
  endpoint: string;
  /** HTTP status, or 'network' when no answer arrived (the detail says why). */
  status: number | 'network';
  headers: Record<string, string>;
  body: unknown;
  /** HubSpot's error message or category for a 4xx/5xx, the network error otherwise. */
  detail: string;
  /** HubSpot's error category, e.g. MISSING_SCOPES. */
  category: string | undefined;
  /** Scope names a 403 MISSING_SCOPES body lists. */
  missingScopes: string[];
}

export interface HubSpotProbe {
  paths: HubSpotPaths;
  /** GET the subscription definitions (the token, and the definitions-read scope). */
  definitions(): Promise<ProbeAnswer>;
  /** GET the contact properties (crm.schemas.contacts.read). */
  properties(): Promise<ProbeAnswer>;
  /** POST contacts batch/read of the probe address (crm.objects.contacts.read). */
  contactsRead(): Promise<ProbeAnswer>;
  /** POST contacts batch/upsert with no inputs (crm.objects.contacts.write); nothing can be written. */
  contactsWrite(): Promise<ProbeAnswer>;
  /** GET the probe address's statuses (the status-read scope); 404 means allowed and unknown. */
  statusRead(): Promise<ProbeAnswer>;
  /** POST statuses batch/read of the probe address: 403 on portals without Marketing Hub Enterprise. */
  statusesBatchRead(): Promise<ProbeAnswer>;
  /** GET the account's daily API usage of private apps. */
  dailyUsage(): Promise<ProbeAnswer>;
  /** GET a contact list by a name no portal uses (crm.lists.read); 404 means allowed and absent. */
  listsRead(): Promise<ProbeAnswer>;
  /** POST a contact list with no name (crm.lists.write): refused (400) before anything is created. */
  listsWrite(): Promise<ProbeAnswer>;
}

export function createHubSpotProbe(
  config: Pick<HubSpotConfig, 'accessToken' | 'baseUrl'>,
  timeoutMs: number,
): HubSpotProbe {
  const client = hubSpotClient(config);
  const paths = hubspotPaths(DEFAULT_HUBSPOT_VERSIONS);

  const call = async (endpoint: Endpoint, extra: { body?: unknown; qs?: Record<string, string> } = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await Promise.race([
        client.apiRequest({ method: endpoint.method, path: endpoint.path, ...extra }),
        new Promise<never>((_, reject) =>
          timeout.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`))),
        ),
      ]);
      const text = await response.text();
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
      let body: unknown = null;
      try {
        body = text.trim() === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        body = null;
      }
      const ok = response.status >= 200 && response.status < 300;
      const rejection = ok ? undefined : rejectionFrom(response.status, text);
      return {
        endpoint: endpoint.label,
        status: response.status,
        headers,
        body,
        detail: rejection?.message ?? '',
        category: rejection?.category,
        missingScopes: missingScopesFrom(rejection?.body),
      } satisfies ProbeAnswer;
    } catch (err) {
      return {
        endpoint: endpoint.label,
        status: 'network',
        headers: {},
        body: null,
        detail: [errorMessage(err), causeCode(err)].filter(Boolean).join(': '),
        category: undefined,
        missingScopes: [],
      } satisfies ProbeAnswer;
    }
  };

  return {
    paths,
    definitions: () => call(paths.subscriptionDefinitions),
    properties: () => call(paths.contactPropertiesList),
    contactsRead: () =>
      call(paths.contactsBatchRead, {
        body: { idProperty: 'email', properties: ['email'], inputs: [{ id: PROBE_EMAIL }] },
      }),
    contactsWrite: () => call(paths.contactsBatchUpsert, { body: { inputs: [] } }),
    statusRead: () => call(paths.statusRead(PROBE_EMAIL), { qs: { ...CHANNEL_QUERY } }),
    statusesBatchRead: () =>
      call(paths.statusesBatchRead, { qs: { ...CHANNEL_QUERY }, body: { inputs: [PROBE_EMAIL] } }),
    dailyUsage: () => call(paths.dailyUsage),
    // https://developers.hubspot.com/docs/api-reference/latest/crm/lists/guide
    listsRead: () =>
      call({
        method: 'GET',
        path: `/crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent(PROBE_LIST_NAME)}`,
        label: 'GET /crm/v3/lists/object-type-id/0-1/name/{name}',
      }),
    listsWrite: () =>
      call({ method: 'POST', path: '/crm/v3/lists', label: 'POST /crm/v3/lists' }, { body: {} }),
  };
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND…) in its cause. */
function causeCode(err: unknown): string | undefined {
  const cause =
    err && typeof err === 'object' && 'cause' in err ? (err as { cause?: unknown }).cause : undefined;
  const code =
    cause && typeof cause === 'object' && 'code' in cause ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
