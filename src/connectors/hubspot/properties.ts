/**
 * The tool's contact property group and properties (https://developers.hubspot.com/docs/api/crm/properties).
 * Created when missing; what is known to exist is remembered for the life of the process, so only the first
 * call of a worker costs requests.
 */
import { z } from 'zod';
import type { PropertyDefinition } from '../../core/contact.ts';
import { ConfigError } from '../../errors/index.ts';
import type { HubSpotReply, HubSpotTransport } from './client.ts';
import { scopeError, type HubSpotRejection } from './errors.ts';
import { propertyBatchCreateSchema, propertyListSchema } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

export const PROPERTY_GROUP_LABEL = 'ESP sync (Mailchimp / Constant Contact)';
const CREATE_CHUNK = 100;
const WRITE_SCOPE = 'crm.schemas.contacts.write';
const READ_SCOPE = 'crm.schemas.contacts.read';

interface KnownProperties {
  groupReady: boolean;
  /** Every contact property name HubSpot has, once listed. */
  existing: Set<string> | undefined;
}

// Per process, per account (cache key) and group; workers call ensureProperties on every batch.
const known = new Map<string, KnownProperties>();

/** Forgets what this process learned about HubSpot properties (tests). */
export function forgetKnownProperties(): void {
  known.clear();
}

export interface PropertiesDeps {
  transport: HubSpotTransport;
  paths: HubSpotPaths;
  /** Identifies the account: base URL and token, never logged. */
  cacheKey: string;
  groupName: string;
}

export async function ensureProperties(
  deps: PropertiesDeps,
  definitions: PropertyDefinition[],
): Promise<void> {
  const key = `${deps.cacheKey}\u0000${deps.groupName}`;
  let state = known.get(key);
  if (!state) {
    state = { groupReady: false, existing: undefined };
    known.set(key, state);
  }
  if (state.groupReady && state.existing && definitions.every((d) => state.existing?.has(d.name))) return;

  if (!state.groupReady) {
    await createGroup(deps);
    state.groupReady = true;
  }
  state.existing ??= await listPropertyNames(deps);
  const missing = uniqueByName(definitions.filter((d) => !state.existing?.has(d.name)));
  for (let i = 0; i < missing.length; i += CREATE_CHUNK) {
    const chunk = missing.slice(i, i + CREATE_CHUNK);
    await createProperties(deps, chunk);
    for (const d of chunk) state.existing.add(d.name);
  }
}

/** Names of the definitions HubSpot has no contact property for (one read; nothing remembered or written). */
export async function missingProperties(
  deps: PropertiesDeps,
  definitions: PropertyDefinition[],
): Promise<string[]> {
  const existing = await listPropertyNames(deps);
  return uniqueByName(definitions.filter((d) => !existing.has(d.name))).map((d) => d.name);
}

async function createGroup(deps: PropertiesDeps): Promise<void> {
  const reply = await deps.transport.request({
    endpoint: deps.paths.contactPropertyGroupCreate,
    body: { name: deps.groupName, label: PROPERTY_GROUP_LABEL, displayOrder: -1 },
    schema: z.unknown(),
    passThrough: [403],
  });
  // 409: the group exists already, which is all we want.
  if (!reply.ok && reply.rejection.status !== 409) {
    throw rejected(reply.rejection, `create the contact property group "${deps.groupName}"`, WRITE_SCOPE);
  }
}

async function listPropertyNames(deps: PropertiesDeps): Promise<Set<string>> {
  const reply = await deps.transport.request({
    endpoint: deps.paths.contactPropertiesList,
    schema: propertyListSchema,
    passThrough: [403],
  });
  if (!reply.ok) throw rejected(reply.rejection, 'list the contact properties', READ_SCOPE);
  return new Set(reply.body.results.map((p) => p.name));
}

async function createProperties(deps: PropertiesDeps, definitions: PropertyDefinition[]): Promise<void> {
  const reply: HubSpotReply<z.infer<typeof propertyBatchCreateSchema>> = await deps.transport.request({
    endpoint: deps.paths.contactPropertiesBatchCreate,
    body: {
      inputs: definitions.map((d) => ({
        name: d.name,
        label: d.label,
        type: d.type,
        fieldType: d.fieldType,
        groupName: deps.groupName,
        // HubSpot's OptionInput requires hidden and displayOrder.
        // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
        ...(d.options
          ? { options: d.options.map((o, i) => ({ ...o, displayOrder: i, hidden: false })) }
          : {}),
      })),
    },
    schema: propertyBatchCreateSchema,
    passThrough: [403],
  });
  // 409: another worker created them a moment ago.
  if (!reply.ok) {
    if (reply.rejection.status === 409) return;
    throw rejected(reply.rejection, `create the contact properties ${names(definitions)}`, WRITE_SCOPE);
  }
  const refused = (reply.body.errors ?? []).filter(
    (e) => !/already exists|duplicate|conflict/i.test(e.message ?? ''),
  );
  if (refused.length > 0) {
    throw new ConfigError(
      `HubSpot refused to create contact properties in group "${deps.groupName}": ` +
        `${refused.map((e) => e.message ?? e.category ?? 'unknown error').join('; ')}. ` +
        'Fix or remove the conflicting properties in HubSpot (Settings → Properties), then run again.',
    );
  }
}

function rejected(rejection: HubSpotRejection, action: string, scope: string): Error {
  if (rejection.status === 403) return scopeError(rejection, action, scope);
  return new ConfigError(`HubSpot refused to ${action} (${rejection.status}): ${rejection.message}`);
}

function uniqueByName(definitions: PropertyDefinition[]): PropertyDefinition[] {
  return [...new Map(definitions.map((d) => [d.name, d])).values()];
}

function names(definitions: PropertyDefinition[]): string {
  const list = definitions.slice(0, 5).map((d) => d.name);
  return definitions.length > 5 ? `${list.join(', ')} and ${definitions.length - 5} more` : list.join(', ');
}
