/**
 * How an audience's merge fields land in HubSpot: the standard contact properties for the default fields
 * (FNAME, LNAME, PHONE, ADDRESS), and one custom property per other field, typed by the merge field type.
 * The same plan drives both the property definitions and the mapping of member values, so they cannot drift.
 */
import type { PropertyDefinition } from '../core/contact.ts';
import type { MailchimpMergeField, MailchimpStatus } from '../connectors/mailchimp/wire.ts';
import { cleanText, dateValue, isRecord, monthDayValue, numberValue, textValue } from './values.ts';
import { datetimeProperty, textProperty, textareaProperty } from './definitions.ts';

/** The tool's own properties (all in its property group, all prefixed esp_mc_). */
export const MC_PROPERTY = {
  memberId: 'esp_mc_member_id',
  contactId: 'esp_mc_contact_id',
  uniqueEmailId: 'esp_mc_unique_email_id',
  status: 'esp_mc_status',
  audience: 'esp_mc_audience',
  audienceId: 'esp_mc_audience_id',
  tags: 'esp_mc_tags',
  optInTime: 'esp_mc_opt_in_time',
  optInIp: 'esp_mc_opt_in_ip',
  signupTime: 'esp_mc_signup_time',
  signupIp: 'esp_mc_signup_ip',
  unsubscribeReason: 'esp_mc_unsubscribe_reason',
  lastChanged: 'esp_mc_last_changed',
} as const;

/**
 * The label HubSpot shows for each member status. Typed by the connector's status list, so a status added there
 * fails to compile here until it has a label (mapping imports the connector's types only, never its values).
 */
export const MAILCHIMP_STATUS_LABELS: Readonly<Record<MailchimpStatus, string>> = {
  subscribed: 'Subscribed',
  unsubscribed: 'Unsubscribed',
  cleaned: 'Cleaned',
  pending: 'Pending',
  transactional: 'Transactional',
  archived: 'Archived',
};

export const MAILCHIMP_TOOL_PROPERTIES: readonly PropertyDefinition[] = [
  textProperty(MC_PROPERTY.memberId, 'Mailchimp member ID'),
  textProperty(MC_PROPERTY.contactId, 'Mailchimp contact ID'),
  textProperty(MC_PROPERTY.uniqueEmailId, 'Mailchimp unique email ID'),
  {
    name: MC_PROPERTY.status,
    label: 'Mailchimp status',
    type: 'enumeration',
    fieldType: 'select',
    options: Object.entries(MAILCHIMP_STATUS_LABELS).map(([value, label]) => ({ label, value })),
  },
  textProperty(MC_PROPERTY.audience, 'Mailchimp audience'),
  textProperty(MC_PROPERTY.audienceId, 'Mailchimp audience ID'),
  textareaProperty(MC_PROPERTY.tags, 'Mailchimp tags'),
  datetimeProperty(MC_PROPERTY.optInTime, 'Mailchimp opt-in time'),
  textProperty(MC_PROPERTY.optInIp, 'Mailchimp opt-in IP'),
  datetimeProperty(MC_PROPERTY.signupTime, 'Mailchimp signup time'),
  textProperty(MC_PROPERTY.signupIp, 'Mailchimp signup IP'),
  textareaProperty(MC_PROPERTY.unsubscribeReason, 'Mailchimp unsubscribe reason'),
  datetimeProperty(MC_PROPERTY.lastChanged, 'Mailchimp last changed'),
];

const STANDARD_TEXT_TAGS: Record<string, string> = { FNAME: 'firstname', LNAME: 'lastname', PHONE: 'phone' };

/** Where one merge field's value goes. */
export type MergeFieldTarget =
  | { kind: 'standard'; tag: string; property: string }
  | { kind: 'address'; tag: string }
  | {
      kind: 'custom';
      tag: string;
      property: string;
      valueType: 'string' | 'number' | 'date' | 'monthDay' | 'addressText';
      dateFormat: string | undefined;
      definition: PropertyDefinition;
    }
  | {
      kind: 'enumeration';
      tag: string;
      property: string;
      /** Where a value outside the choices goes (choices change over time; old values stay on members). */
      otherProperty: string;
      choices: Set<string>;
      definitions: [PropertyDefinition, PropertyDefinition];
    };

const RESERVED = new Set<string>(Object.values(MC_PROPERTY));

function sanitizeTag(tag: string): string {
  const name = tag
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 50);
  return name === '' ? 'field' : name;
}

/** `esp_mc_<tag>`, made unique against the tool's own properties and the names already taken. */
function customPropertyName(tag: string, taken: Set<string>): string {
  const base = `esp_mc_${sanitizeTag(tag)}`;
  let name = base;
  for (let n = 1; RESERVED.has(name) || taken.has(name) || taken.has(`${name}_other`); n++) {
    name = n === 1 ? `${base}_mf` : `${base}_mf${n}`;
  }
  return name;
}

function fieldLabel(field: MailchimpMergeField): string {
  const name = cleanText(typeof field.name === 'string' && field.name !== '' ? field.name : field.tag, 200);
  return `Mailchimp: ${name}`;
}

function choicesOf(field: MailchimpMergeField): string[] {
  const raw = Array.isArray(field.options?.choices) ? field.options.choices : [];
  const seen = new Set<string>();
  for (const choice of raw) {
    const value = textValue(choice, 3000);
    if (value !== undefined) seen.add(value);
  }
  return [...seen];
}

function customTarget(field: MailchimpMergeField, property: string): MergeFieldTarget {
  const label = fieldLabel(field);
  const dateFormat = typeof field.options?.date_format === 'string' ? field.options.date_format : undefined;
  const custom = (
    valueType: 'string' | 'number' | 'date' | 'monthDay' | 'addressText',
    definition: Omit<PropertyDefinition, 'name' | 'label'>,
  ): MergeFieldTarget => ({
    kind: 'custom',
    tag: field.tag,
    property,
    valueType,
    dateFormat,
    definition: { name: property, label, ...definition },
  });
  switch (field.type) {
    case 'number':
      return custom('number', { type: 'number', fieldType: 'number' });
    case 'date':
      return custom('date', { type: 'date', fieldType: 'date' });
    case 'birthday':
      // No year: HubSpot's date type would invent one, so we keep "MM-DD" as text.
      return custom('monthDay', { type: 'string', fieldType: 'text' });
    case 'address':
      return custom('addressText', { type: 'string', fieldType: 'textarea' });
    case 'radio':
    case 'dropdown': {
      const choices = choicesOf(field);
      if (choices.length === 0) return custom('string', { type: 'string', fieldType: 'text' });
      const otherProperty = `${property}_other`;
      return {
        kind: 'enumeration',
        tag: field.tag,
        property,
        otherProperty,
        choices: new Set(choices),
        definitions: [
          {
            name: property,
            label,
            type: 'enumeration',
            fieldType: field.type === 'radio' ? 'radio' : 'select',
            options: choices.map((c) => ({ label: c, value: c })),
          },
          {
            name: otherProperty,
            label: `${label} (value outside the choices)`,
            type: 'string',
            fieldType: 'text',
          },
        ],
      };
    }
    default:
      // text, url, imageurl, zip, phone (other than PHONE) and any type Mailchimp adds later.
      return custom('string', { type: 'string', fieldType: 'text' });
  }
}

const planCache = new WeakMap<readonly MailchimpMergeField[], MergeFieldTarget[]>();

/** The plan for an audience's merge fields (cached per array: the mapper calls it for every member). */
export function mergeFieldPlan(mergeFields: readonly MailchimpMergeField[]): MergeFieldTarget[] {
  const cached = planCache.get(mergeFields);
  if (cached) return cached;
  const plan: MergeFieldTarget[] = [];
  const seenTags = new Set<string>();
  const taken = new Set<string>();
  for (const field of mergeFields) {
    if (typeof field.tag !== 'string' || field.tag === '' || seenTags.has(field.tag)) continue;
    seenTags.add(field.tag);
    const standard = STANDARD_TEXT_TAGS[field.tag];
    if (standard !== undefined && field.type !== 'address') {
      plan.push({ kind: 'standard', tag: field.tag, property: standard });
    } else if (field.tag === 'ADDRESS' && field.type === 'address') {
      plan.push({ kind: 'address', tag: field.tag });
    } else {
      const property = customPropertyName(field.tag, taken);
      taken.add(property);
      taken.add(`${property}_other`);
      plan.push(customTarget(field, property));
    }
  }
  planCache.set(mergeFields, plan);
  return plan;
}

export function mergeFieldDefinitions(mergeFields: readonly MailchimpMergeField[]): PropertyDefinition[] {
  return mergeFieldPlan(mergeFields).flatMap((target) => {
    if (target.kind === 'custom') return [target.definition];
    if (target.kind === 'enumeration') return target.definitions;
    return [];
  });
}

function addressParts(raw: unknown): Record<string, string | undefined> | undefined {
  if (!isRecord(raw)) return undefined;
  return {
    address: textValue([textValue(raw.addr1), textValue(raw.addr2)].filter(Boolean).join(', ')),
    city: textValue(raw.city),
    state: textValue(raw.state),
    zip: textValue(raw.zip),
    country: textValue(raw.country),
  };
}

function addressText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return textValue(raw);
  const parts = addressParts(raw);
  if (!parts) return undefined;
  const cityLine = [parts.city, [parts.state, parts.zip].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  const joined = [parts.address, cityLine, parts.country].filter(Boolean).join(', ');
  return textValue(joined);
}

function customValue(
  target: Extract<MergeFieldTarget, { kind: 'custom' }>,
  raw: unknown,
): string | undefined {
  switch (target.valueType) {
    case 'number':
      return numberValue(raw);
    case 'date':
      return dateValue(raw, target.dateFormat);
    case 'monthDay':
      return monthDayValue(raw, target.dateFormat);
    case 'addressText':
      return addressText(raw);
    case 'string':
      return textValue(raw);
  }
}

/**
 * HubSpot properties from a member's merge_fields. Empty values are left out (never clear HubSpot data with
 * ""); a value that does not fit its type (a number field holding "abc", an impossible date) is left out too,
 * rather than failing the person's whole record and with it their consent.
 */
export function mergeFieldProperties(
  mergeValues: unknown,
  mergeFields: readonly MailchimpMergeField[],
): Record<string, string> {
  const properties: Record<string, string> = {};
  if (!isRecord(mergeValues)) return properties;
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) properties[name] = value;
  };
  for (const target of mergeFieldPlan(mergeFields)) {
    if (!Object.hasOwn(mergeValues, target.tag)) continue;
    const raw = mergeValues[target.tag];
    switch (target.kind) {
      case 'standard':
        set(target.property, textValue(raw));
        break;
      case 'address': {
        const parts = addressParts(raw);
        if (parts) for (const [name, value] of Object.entries(parts)) set(name, value);
        else set('address', textValue(raw));
        break;
      }
      case 'custom':
        set(target.property, customValue(target, raw));
        break;
      case 'enumeration': {
        const value = textValue(raw);
        if (value === undefined) break;
        set(target.choices.has(value) ? target.property : target.otherProperty, value);
        break;
      }
    }
  }
  return properties;
}
