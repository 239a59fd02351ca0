/**
 * Every HubSpot API version and path the sink uses, in one place. Versions and their end of support:
 * https://developers.hubspot.com/docs/api-reference/latest/overview (docs/hubspot.md lists the dates).
 *
 * - CRM objects and properties default to `v3`: supported until the semantic-version sunset (Sept 2027) and
 *   free of the admin validation rules `2026-09` enforces on writes. Set a family to `2026-09` to move it.
 * - Communication preferences default to `2026-09`: v4 loses support on 2027-03-30 and v3 cannot unsubscribe
 *   from all email nor batch. The `2026-xx` paths use the v4 shapes.
 */

/** `v3` or a date version such as `2026-09`. */
export type CrmVersion = 'v3' | `${number}-${number}`;
/** `v4` or a date version such as `2026-09` (both use the same request and response shapes). */
export type CommunicationPreferencesVersion = 'v4' | `${number}-${number}`;

export interface HubSpotApiVersions {
  crmObjects: CrmVersion;
  crmProperties: CrmVersion;
  communicationPreferences: CommunicationPreferencesVersion;
}

export const DEFAULT_HUBSPOT_VERSIONS: HubSpotApiVersions = {
  crmObjects: 'v3',
  crmProperties: 'v3',
  communicationPreferences: '2026-09',
};

/** A request path plus a stable label for metrics and logs (no emails or ids in it). */
export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  label: string;
}

function endpoint(method: Endpoint['method'], path: string, label = path): Endpoint {
  return { method, path, label: `${method} ${label}` };
}

// v3 puts the version before the family (/crm/v3/objects/…); date versions after it (/crm/objects/2026-09/…).
function crmBase(family: 'objects' | 'properties', version: CrmVersion): string {
  return version === 'v3' ? `/crm/v3/${family}` : `/crm/${family}/${version}`;
}

export interface HubSpotPaths {
  contactsBatchUpsert: Endpoint;
  contactsBatchUpdate: Endpoint;
  contactsBatchRead: Endpoint;
  dailyUsage: Endpoint;
  contactPropertiesList: Endpoint;
  contactPropertiesBatchCreate: Endpoint;
  contactPropertyGroupCreate: Endpoint;
  subscriptionDefinitions: Endpoint;
  statusesBatchRead: Endpoint;
  statusesBatchWrite: Endpoint;
  statusesBatchUnsubscribeAll: Endpoint;
  statusesBatchUnsubscribeAllRead: Endpoint;
  statusRead(email: string): Endpoint;
  statusWrite(email: string): Endpoint;
  unsubscribeAllRead(email: string): Endpoint;
  unsubscribeAllWrite(email: string): Endpoint;
  /**
   * Scope names for messages; v4 and the date versions name them differently:
   * https://developers.hubspot.com/docs/api-reference/2026-03/communication-preferences/guide
   */
  scopes: { statusRead: string; statusWrite: string; definitionsRead: string };
}

export function hubspotPaths(versions: HubSpotApiVersions = DEFAULT_HUBSPOT_VERSIONS): HubSpotPaths {
  const objects = crmBase('objects', versions.crmObjects);
  const properties = crmBase('properties', versions.crmProperties);
  const prefs = `/communication-preferences/${versions.communicationPreferences}`;
  const one = (email: string) => `${prefs}/statuses/${encodeURIComponent(email)}`;
  const oneLabel = `${prefs}/statuses/{email}`;
  return {
    contactsBatchUpsert: endpoint('POST', `${objects}/contacts/batch/upsert`),
    contactsBatchUpdate: endpoint('POST', `${objects}/contacts/batch/update`),
    contactsBatchRead: endpoint('POST', `${objects}/contacts/batch/read`),
    dailyUsage: endpoint('GET', '/account-info/v3/api-usage/daily/private-apps'),
    contactPropertiesList: endpoint('GET', `${properties}/contacts`),
    contactPropertiesBatchCreate: endpoint('POST', `${properties}/contacts/batch/create`),
    contactPropertyGroupCreate: endpoint('POST', `${properties}/contacts/groups`),
    subscriptionDefinitions: endpoint('GET', `${prefs}/definitions`),
    statusesBatchRead: endpoint('POST', `${prefs}/statuses/batch/read`),
    statusesBatchWrite: endpoint('POST', `${prefs}/statuses/batch/write`),
    statusesBatchUnsubscribeAll: endpoint('POST', `${prefs}/statuses/batch/unsubscribe-all`),
    statusesBatchUnsubscribeAllRead: endpoint('POST', `${prefs}/statuses/batch/unsubscribe-all/read`),
    statusRead: (email) => endpoint('GET', one(email), oneLabel),
    statusWrite: (email) => endpoint('POST', one(email), oneLabel),
    unsubscribeAllRead: (email) =>
      endpoint('GET', `${one(email)}/unsubscribe-all`, `${oneLabel}/unsubscribe-all`),
    unsubscribeAllWrite: (email) =>
      endpoint('POST', `${one(email)}/unsubscribe-all`, `${oneLabel}/unsubscribe-all`),
    scopes:
      versions.communicationPreferences === 'v4'
        ? {
            statusRead: 'communication_preferences.read',
            statusWrite: 'communication_preferences.write',
            definitionsRead: 'communication_preferences.read',
          }
        : {
            statusRead: 'subscriptions-status-read',
            statusWrite: 'subscriptions-status-write',
            definitionsRead: 'subscriptions-definition-read',
          },
  };
}
