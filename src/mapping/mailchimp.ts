/**
 * Mailchimp member → HubSpot contact: pure functions. The status table (README, consent) lives in consentFor();
 * its configurable choices come from the ConsentPolicy.
 */
import { isIP } from 'node:net';
import {
  normalizeEmail,
  type ConsentIntent,
  type MappedRecord,
  type PropertyDefinition,
} from '../core/contact.ts';
import type {
  MailchimpAudience,
  MailchimpMember,
  MailchimpMergeField,
  MailchimpStatus,
} from '../connectors/mailchimp/wire.ts';
import {
  MAILCHIMP_STATUS_LABELS,
  MAILCHIMP_TOOL_PROPERTIES,
  MC_PROPERTY,
  mergeFieldDefinitions,
  mergeFieldProperties,
} from './mailchimp-fields.ts';
import { carriesLists, mailchimpLists } from './lists.ts';
import type { ConsentPolicy } from './policy.ts';
import { cleanText, dateTimeValue, describeValue, isoDay, parseTimestamp, textValue } from './values.ts';

export { MC_PROPERTY } from './mailchimp-fields.ts';

export interface MailchimpMapContext {
  audience: MailchimpAudience;
  mergeFields: MailchimpMergeField[];
  policy: ConsentPolicy;
}

export function mailchimpRecordKey(audienceId: string, memberId: string): string {
  return `mailchimp:${audienceId}:${memberId}`;
}

/** The tool's fixed properties plus one (or, for radio/dropdown, two) per custom merge field. */
export function mailchimpPropertyDefinitions(mergeFields: MailchimpMergeField[]): PropertyDefinition[] {
  return [...MAILCHIMP_TOOL_PROPERTIES, ...mergeFieldDefinitions(mergeFields)];
}

function isKnownStatus(status: unknown): status is MailchimpStatus {
  return typeof status === 'string' && Object.hasOwn(MAILCHIMP_STATUS_LABELS, status);
}

/** The first usable IP address among the candidates, or undefined. */
function ipOf(...candidates: unknown[]): string | undefined {
  for (const raw of candidates) {
    if (typeof raw === 'string' && isIP(raw.trim()) !== 0) return raw.trim();
  }
  return undefined;
}

function subscribedExplanation(member: MailchimpMember, audienceName: string): string {
  const when =
    parseTimestamp(member.timestamp_opt) ??
    parseTimestamp(member.timestamp_signup) ??
    parseTimestamp(member.last_changed);
  const ip = ipOf(member.ip_opt, member.ip_signup);
  let explanation = `Subscribed to Mailchimp audience ${audienceName}`;
  if (when) explanation += ` on ${isoDay(when)}`;
  if (ip) explanation += ` from ${ip}`;
  return explanation;
}

/**
 * The status table. Only the exact word "subscribed" can ever lead to a subscription; archived is handled
 * before this (skipped by policy).
 */
function consentFor(
  status: Exclude<MailchimpStatus, 'archived'>,
  member: MailchimpMember,
  ctx: MailchimpMapContext,
  audienceName: string,
): ConsentIntent {
  switch (status) {
    case 'subscribed':
      return {
        state: 'subscribe',
        legalBasis: ctx.policy.subscribedLegalBasis,
        explanation: subscribedExplanation(member, audienceName),
      };
    case 'unsubscribed': {
      const reason = textValue(member.unsubscribe_reason, 500);
      return {
        state: 'optOut',
        reason: reason ? `Unsubscribed in Mailchimp: ${reason}` : 'Unsubscribed in Mailchimp',
      };
    }
    case 'cleaned':
      return { state: 'optOut', reason: 'Bounced (cleaned) in Mailchimp' };
    case 'pending':
    case 'transactional':
      return { state: 'none' };
  }
}

function tagNames(raw: unknown): string | undefined {
  if (!Array.isArray(raw)) return undefined;
  const names = raw
    .map((tag: unknown) =>
      typeof tag === 'object' && tag !== null ? textValue((tag as { name?: unknown }).name) : undefined,
    )
    .filter((name): name is string => name !== undefined);
  return textValue(names.join(';'));
}

function toolProperties(
  member: MailchimpMember,
  status: MailchimpStatus,
  memberId: string,
  ctx: MailchimpMapContext,
  audienceName: string,
): Record<string, string> {
  const candidates: Record<string, string | undefined> = {
    [MC_PROPERTY.memberId]: memberId,
    [MC_PROPERTY.contactId]: textValue(member.contact_id),
    [MC_PROPERTY.uniqueEmailId]: textValue(member.unique_email_id),
    [MC_PROPERTY.status]: status,
    [MC_PROPERTY.audience]: audienceName,
    [MC_PROPERTY.audienceId]: textValue(ctx.audience.id),
    [MC_PROPERTY.tags]: tagNames(member.tags),
    [MC_PROPERTY.optInTime]: dateTimeValue(member.timestamp_opt),
    [MC_PROPERTY.optInIp]: textValue(member.ip_opt, 100),
    [MC_PROPERTY.signupTime]: dateTimeValue(member.timestamp_signup),
    [MC_PROPERTY.signupIp]: textValue(member.ip_signup, 100),
    [MC_PROPERTY.unsubscribeReason]: textValue(member.unsubscribe_reason),
    [MC_PROPERTY.lastChanged]: dateTimeValue(member.last_changed),
  };
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(candidates)) {
    if (value !== undefined && value !== '') properties[name] = value;
  }
  return properties;
}

function mapOrThrow(member: MailchimpMember, ctx: MailchimpMapContext): MappedRecord {
  const memberId = typeof member.id === 'string' ? cleanText(member.id, 200) : describeValue(member.id, 200);
  // contact_id survives an email change (the member id is the MD5 of the address), so the record keeps its key.
  const stableId =
    typeof member.contact_id === 'string' && member.contact_id.trim() !== ''
      ? cleanText(member.contact_id, 200)
      : memberId;
  const key = mailchimpRecordKey(ctx.audience.id, stableId);
  const email = normalizeEmail(member.email_address);
  const rawStatus: unknown = member.status;
  const identity = {
    key,
    source: 'mailchimp' as const,
    sourceId: memberId,
    email,
    sourceStatus: typeof rawStatus === 'string' ? cleanText(rawStatus, 100) : describeValue(rawStatus, 100),
  };

  if (!isKnownStatus(rawStatus)) {
    return { kind: 'failed', reason: `unknown Mailchimp status ${describeValue(rawStatus)}`, ...identity };
  }
  if (rawStatus === 'archived') {
    return { kind: 'skipped', reason: 'archived in Mailchimp: skipped by policy', ...identity };
  }
  if (email === null) {
    return {
      kind: 'failed',
      reason: `invalid email address ${JSON.stringify(describeValue(member.email_address))}`,
      ...identity,
      // The report shows the address as the source holds it, so that it can be found and fixed there.
      email: textValue(member.email_address, 320) ?? null,
    };
  }

  const audienceName = textValue(ctx.audience.name, 500) ?? textValue(ctx.audience.id, 500) ?? 'unnamed';
  const properties = {
    // Merge fields first: the tool's own properties win a (sanitised) name clash.
    ...mergeFieldProperties(member.merge_fields, ctx.mergeFields),
    ...toolProperties(member, rawStatus, memberId, ctx, audienceName),
  };
  return {
    kind: 'contact',
    contact: {
      key,
      source: 'mailchimp',
      sourceId: memberId,
      email,
      sourceStatus: rawStatus,
      consent: consentFor(rawStatus, member, ctx, audienceName),
      properties,
      changedAt: parseTimestamp(member.last_changed)?.toISOString() ?? null,
      ...(carriesLists(ctx.policy.lists)
        ? { lists: mailchimpLists(ctx.audience, audienceName, member.tags, ctx.policy.lists) }
        : {}),
    },
  };
}

/** Maps one member; never throws (anything unexpected becomes a failed record with the reason). */
export function mapMailchimpMember(member: MailchimpMember, ctx: MailchimpMapContext): MappedRecord {
  try {
    return mapOrThrow(member, ctx);
  } catch (err) {
    const id = typeof member?.id === 'string' ? cleanText(member.id, 200) : 'unknown';
    return {
      kind: 'failed',
      reason: `could not map the Mailchimp member: ${describeValue(err instanceof Error ? err.message : err)}`,
      key: mailchimpRecordKey(String(ctx?.audience?.id), id),
      source: 'mailchimp',
      sourceId: id,
      email: null,
      sourceStatus: 'unknown',
    };
  }
}
