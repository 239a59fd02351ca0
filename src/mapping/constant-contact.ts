/**
 * Constant Contact contact → HubSpot contact: properties, consent and the records that end here.
 * Pure and total: any input, however malformed, becomes a MappedRecord; nothing here throws.
 * The consent table (README, consent) is `consentFor` in constant-contact-consent.ts; every row has a test in
 * test/unit/cc-mapping.test.ts.
 */
import { normalizeEmail, type MappedRecord, type PropertyDefinition } from '../core/contact.ts';
import type { CcContact, CcDefinitions } from '../connectors/constant-contact/wire.ts';
import { carriesLists, ccLists } from './lists.ts';
import type { ConsentPolicy } from './policy.ts';
import { CC_PERMISSIONS, consentFor, isPermission, type CcPermission } from './constant-contact-consent.ts';
import { birthday, dateOnly, firstRecord, isRecord, namesFor } from './constant-contact-values.ts';
import { datetimeProperty, textProperty, textareaProperty } from './definitions.ts';
import { parseTimestamp, textValue } from './values.ts';

export { CC_PERMISSIONS, consentFor, type CcPermission };

export interface CcMapContext {
  definitions: CcDefinitions;
  policy: ConsentPolicy;
}

/** The tool's own properties (all in its property group, all prefixed esp_cc_). */
export const CC_PROPERTY = {
  contactId: 'esp_cc_contact_id',
  permission: 'esp_cc_permission',
  optInSource: 'esp_cc_opt_in_source',
  optInDate: 'esp_cc_opt_in_date',
  optOutSource: 'esp_cc_opt_out_source',
  optOutDate: 'esp_cc_opt_out_date',
  optOutReason: 'esp_cc_opt_out_reason',
  lists: 'esp_cc_lists',
  tags: 'esp_cc_tags',
  birthday: 'esp_cc_birthday',
  updatedAt: 'esp_cc_updated_at',
} as const;
const CUSTOM_FIELD_PREFIX = 'esp_cc_cf_';
/** HubSpot property names are at most 100 characters. */
const MAX_PROPERTY_NAME = 100;

export const SKIP_DELETED = 'deleted in Constant Contact: skipped by policy';
export const SKIP_NO_EMAIL = 'no email address (SMS-only contact)';

export function ccRecordKey(contactId: string): string {
  return `constant-contact:${contactId}`;
}

// ---------- small value helpers (total: a value or undefined, never a throw) ----------

function sanitizeName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const customFieldNamesCache = new WeakMap<CcDefinitions['customFields'], Map<string, string>>();

/**
 * custom_field_id → HubSpot property name (esp_cc_cf_<name>), stable for the same definitions: ids are taken
 * in sorted order and a name that collides after sanitising gets a numeric suffix.
 */
export function ccCustomFieldPropertyNames(customFields: CcDefinitions['customFields']): Map<string, string> {
  const cached = customFieldNamesCache.get(customFields);
  if (cached) return cached;
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const id of [...customFields.keys()].sort()) {
    const def = customFields.get(id);
    const base = (CUSTOM_FIELD_PREFIX + (sanitizeName(def?.name ?? '') || sanitizeName(id) || 'field')).slice(
      0,
      MAX_PROPERTY_NAME - 4,
    );
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    names.set(id, name);
  }
  customFieldNamesCache.set(customFields, names);
  return names;
}

function isDateField(type: string | undefined): boolean {
  return type?.toLowerCase() === 'date';
}

function customFieldProperties(
  raw: unknown,
  customFields: CcDefinitions['customFields'],
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(raw)) return out;
  const names = ccCustomFieldPropertyNames(customFields);
  for (const field of raw) {
    if (!isRecord(field) || typeof field.custom_field_id !== 'string') continue;
    const name = names.get(field.custom_field_id);
    const def = customFields.get(field.custom_field_id);
    if (!name || !def) continue;
    const value = isDateField(def.type) ? dateOnly(field.value) : textValue(field.value);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// ---------- property definitions ----------

const text = textProperty;
const textarea = textareaProperty;
const datetime = datetimeProperty;

const PERMISSION_LABELS: Record<CcPermission, string> = {
  explicit: 'Explicit',
  implicit: 'Implicit',
  pending_confirmation: 'Pending confirmation',
  not_set: 'Not set',
  temp_hold: 'Temporary hold',
  unsubscribed: 'Unsubscribed',
};

export const CC_TOOL_PROPERTIES: readonly PropertyDefinition[] = [
  text(CC_PROPERTY.contactId, 'Constant Contact contact ID'),
  {
    name: CC_PROPERTY.permission,
    label: 'Constant Contact permission to send',
    type: 'enumeration',
    fieldType: 'select',
    options: CC_PERMISSIONS.map((value) => ({ label: PERMISSION_LABELS[value], value })),
  },
  text(CC_PROPERTY.optInSource, 'Constant Contact opt-in source'),
  datetime(CC_PROPERTY.optInDate, 'Constant Contact opt-in date'),
  text(CC_PROPERTY.optOutSource, 'Constant Contact opt-out source'),
  datetime(CC_PROPERTY.optOutDate, 'Constant Contact opt-out date'),
  textarea(CC_PROPERTY.optOutReason, 'Constant Contact opt-out reason'),
  textarea(CC_PROPERTY.lists, 'Constant Contact lists'),
  textarea(CC_PROPERTY.tags, 'Constant Contact tags'),
  text(CC_PROPERTY.birthday, 'Constant Contact birthday (MM-DD)'),
  datetime(CC_PROPERTY.updatedAt, 'Constant Contact last updated'),
];

/** The tool's esp_cc_* properties plus one per custom field (date fields as dates, the rest as text). */
export function ccPropertyDefinitions(definitions: CcDefinitions): PropertyDefinition[] {
  const names = ccCustomFieldPropertyNames(definitions.customFields);
  const custom = [...names].map(([id, name]): PropertyDefinition => {
    const def = definitions.customFields.get(id);
    const label = `Constant Contact: ${textValue(def?.label ?? def?.name ?? id, 200) ?? id}`;
    return isDateField(def?.type)
      ? { name, label, type: 'date', fieldType: 'date' }
      : { name, label, type: 'string', fieldType: 'text' };
  });
  return [...CC_TOOL_PROPERTIES, ...custom];
}

// ---------- consent ----------

// ---------- the mapper ----------

function changedAt(contact: CcContact, email: Record<string, unknown>): string | null {
  const times = [parseTimestamp(contact.updated_at), parseTimestamp(email.opt_out_date)].filter(
    (d): d is Date => d !== null,
  );
  if (times.length === 0) return null;
  return new Date(Math.max(...times.map((d) => d.getTime()))).toISOString();
}

function isDeleted(contact: CcContact): boolean {
  const deletedAt = contact.deleted_at;
  const hasDeletedAt = deletedAt !== undefined && deletedAt !== null && deletedAt !== '';
  return hasDeletedAt || contact.status === 'deleted';
}

function contactProperties(
  contact: CcContact,
  email: Record<string, unknown>,
  permission: CcPermission,
  definitions: CcDefinitions,
): Record<string, string> {
  const phone = Array.isArray(contact.phone_numbers)
    ? contact.phone_numbers.filter(isRecord).find((p) => textValue(p.phone_number) !== undefined)
    : undefined;
  const address = firstRecord(contact.street_addresses);
  const candidates: Record<string, string | undefined> = {
    firstname: textValue(contact.first_name),
    lastname: textValue(contact.last_name),
    jobtitle: textValue(contact.job_title),
    company: textValue(contact.company_name),
    phone: textValue(phone?.phone_number),
    address: textValue(address?.street),
    city: textValue(address?.city),
    state: textValue(address?.state),
    zip: textValue(address?.postal_code),
    country: textValue(address?.country),
    [CC_PROPERTY.birthday]: birthday(contact.birthday_month, contact.birthday_day),
    [CC_PROPERTY.lists]: namesFor(contact.list_memberships, definitions.lists),
    [CC_PROPERTY.tags]: namesFor(contact.taggings, definitions.tags),
    [CC_PROPERTY.contactId]: textValue(contact.contact_id),
    [CC_PROPERTY.permission]: permission,
    [CC_PROPERTY.optInSource]: textValue(email.opt_in_source),
    [CC_PROPERTY.optInDate]: parseTimestamp(email.opt_in_date)?.toISOString(),
    [CC_PROPERTY.optOutSource]: textValue(email.opt_out_source),
    [CC_PROPERTY.optOutDate]: parseTimestamp(email.opt_out_date)?.toISOString(),
    [CC_PROPERTY.optOutReason]: textValue(email.opt_out_reason),
    [CC_PROPERTY.updatedAt]: parseTimestamp(contact.updated_at)?.toISOString(),
  };
  const properties: Record<string, string> = customFieldProperties(
    contact.custom_fields,
    definitions.customFields,
  );
  for (const [name, value] of Object.entries(candidates)) if (value !== undefined) properties[name] = value;
  return properties;
}

function describe(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(textValue(raw, 80) ?? '');
  if (raw === undefined || raw === null) return 'none';
  return typeof raw;
}

/** Maps one Constant Contact contact; see the consent table in the README and test/unit/cc-mapping.test.ts. */
export function mapCcContact(contact: CcContact, ctx: CcMapContext): MappedRecord {
  try {
    return mapContact(contact, ctx);
  } catch (err) {
    // Unreachable by design (every helper is total); kept so one record can never break a page.
    const id = typeof contact?.contact_id === 'string' ? contact.contact_id : '';
    const reason = `could not map the contact: ${err instanceof Error ? err.message : 'unknown error'}`;
    return {
      kind: 'failed',
      reason,
      key: ccRecordKey(id),
      source: 'constant-contact',
      sourceId: id,
      email: null,
      sourceStatus: 'unknown',
    };
  }
}

function mapContact(contact: CcContact, ctx: CcMapContext): MappedRecord {
  const sourceId = textValue(contact.contact_id, 200) ?? '';
  const key = ccRecordKey(sourceId);
  const email = isRecord(contact.email_address) ? contact.email_address : {};
  const rawPermission =
    typeof email.permission_to_send === 'string' ? email.permission_to_send.trim().toLowerCase() : '';
  const permission = isPermission(rawPermission) ? rawPermission : null;
  const address = textValue(email.address, 320);
  const normalized = normalizeEmail(address);
  const deleted = isDeleted(contact);
  const identity = {
    key,
    source: 'constant-contact' as const,
    sourceId,
    email: normalized,
    sourceStatus: deleted && permission !== 'unsubscribed' ? 'deleted' : (permission ?? 'unknown'),
  };

  if (!sourceId) return { kind: 'failed', reason: 'the contact has no contact_id', ...identity };
  if (address === undefined) {
    return { kind: 'skipped', reason: SKIP_NO_EMAIL, ...identity, sourceStatus: 'sms_only' };
  }
  if (deleted && permission !== 'unsubscribed') return { kind: 'skipped', reason: SKIP_DELETED, ...identity };
  if (!normalized) {
    // The report shows the address as the source holds it, so that it can be found and fixed there.
    return {
      kind: 'failed',
      reason: `invalid email address ${describe(address)}`,
      ...identity,
      email: address,
    };
  }
  if (!permission) {
    return {
      kind: 'failed',
      reason: `unknown permission_to_send ${describe(email.permission_to_send)}: not mapped, never subscribed`,
      ...identity,
    };
  }

  const consent = consentFor(permission, email, ctx.policy);
  // A deleted but unsubscribed contact only carries its opt-out: no properties for someone who was deleted.
  const properties = deleted ? {} : contactProperties(contact, email, permission, ctx.definitions);
  return {
    kind: 'contact',
    contact: {
      key,
      source: 'constant-contact',
      sourceId,
      email: normalized,
      sourceStatus: permission,
      consent,
      properties,
      changedAt: changedAt(contact, email),
      ...(carriesLists(ctx.policy.lists)
        ? // A deleted contact is in no list (it keeps only its opt-out).
          { lists: deleted ? [] : ccLists(contact.list_memberships, ctx.definitions, ctx.policy.lists) }
        : {}),
    },
  };
}
