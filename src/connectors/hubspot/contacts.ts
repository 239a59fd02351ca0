/**
 * Contacts batch upsert by email: deduplicated, one objectWriteTraceId per input, per-record results from
 * 200/207, and a whole-batch 400 split until only the bad records fail (docs/hubspot.md says why).
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/upsert-contacts
 */
import type { Logger } from 'pino';
import { canonicalEmail } from '../../core/contact.ts';
import type { ContactWrite, ContactWriteResult } from '../../core/ports.ts';
import type { HubSpotTransport } from './client.ts';
import type { HubSpotRejection } from './errors.ts';
import { upsertResponseSchema, type HubSpotErrorBody, type UpsertResponse } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

export const MAX_BATCH_INPUTS = 100;
export const DUPLICATE_IN_BATCH = 'duplicate email in batch';

interface Pending {
  /** The input's index: unique in the call, short, and free of personal data. */
  trace: string;
  input: ContactWrite;
  /** Trimmed and lowercased, as HubSpot stores it. */
  email: string;
}

export interface ContactsDeps {
  transport: HubSpotTransport;
  paths: HubSpotPaths;
  logger: Logger;
}

/**
 * Upserts contacts keyed by email. Duplicates (case-insensitive) are not merged: the first input wins and
 * the later ones fail with "duplicate email in batch", so the caller sees which record was not written.
 * Returns one result per input, in input order.
 */
export async function upsertContacts(
  deps: ContactsDeps,
  inputs: ContactWrite[],
): Promise<ContactWriteResult[]> {
  const results = new Map<string, ContactWriteResult>();
  const unique: Pending[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const pending = { trace: String(index), input, email: canonicalEmail(input.email) };
    if (seen.has(pending.email)) results.set(pending.trace, failure(pending, DUPLICATE_IN_BATCH));
    else {
      seen.add(pending.email);
      unique.push(pending);
    }
  });

  const writer = new BatchWriter(deps, results);
  for (let i = 0; i < unique.length; i += MAX_BATCH_INPUTS) {
    await writer.write(unique.slice(i, i + MAX_BATCH_INPUTS));
  }
  return inputs.map(
    (input, index) =>
      results.get(String(index)) ?? {
        key: input.key,
        email: input.email,
        ok: false,
        reason: 'HubSpot reported no result for this record',
      },
  );
}

function failure(p: Pending, reason: string): ContactWriteResult {
  return { key: p.input.key, email: p.input.email, ok: false, reason };
}

class BatchWriter {
  private readonly deps: ContactsDeps;
  private readonly results: Map<string, ContactWriteResult>;
  constructor(deps: ContactsDeps, results: Map<string, ContactWriteResult>) {
    this.deps = deps;
    this.results = results;
  }

  /**
   * Writes a group; on a whole-batch rejection isolates the bad records. `knownBad` carries the parent's
   * message when the sibling half went through cleanly, so a lone record left is bad without asking again.
   * Resolves true when no call in the group was rejected as a whole.
   */
  async write(group: Pending[], knownBad?: string): Promise<boolean> {
    const [only] = group;
    if (only && group.length === 1 && knownBad !== undefined) {
      this.fail([only], knownBad);
      return false;
    }
    const reply = await this.deps.transport.request({
      endpoint: this.deps.paths.contactsBatchUpsert,
      body: { inputs: group.map(toUpsertInput) },
      schema: upsertResponseSchema,
    });
    if (reply.ok) {
      this.apply(group, reply.body);
      return true;
    }
    await this.isolate(group, reply.rejection);
    return false;
  }

  private async isolate(group: Pending[], rejection: HubSpotRejection): Promise<void> {
    const reason = readableReason(rejection.message);
    if (isDuplicateIds(rejection)) {
      // We already dedupe by email, so HubSpot matched two addresses to one contact (hs_additional_emails):
      // halves go through separately, both updating that contact.
      this.deps.logger.info(
        { size: group.length },
        'HubSpot found duplicate contacts in a batch; splitting it',
      );
      if (group.length === 1) return this.fail(group, reason);
      const [left, right] = halves(group);
      await this.write(left);
      await this.write(right);
      return;
    }
    if (!SPLITTABLE_STATUSES.has(rejection.status) || group.length === 1) return this.fail(group, reason);

    const named = group.filter((p) => mentionsEmail(rejection, p.email));
    if (named.length > 0 && named.length < group.length) {
      this.fail(named, reason);
      await this.write(group.filter((p) => !named.includes(p)));
      return;
    }
    const [left, right] = halves(group);
    const leftClean = await this.write(left);
    await this.write(right, leftClean ? reason : undefined);
  }

  private apply(group: Pending[], body: UpsertResponse): void {
    const byTrace = new Map(group.map((p) => [p.trace, p]));
    const byEmail = new Map(group.map((p) => [p.email, p]));
    for (const result of body.results) {
      const email = result.properties?.email?.toLowerCase();
      const p = byTrace.get(result.objectWriteTraceId ?? '') ?? (email ? byEmail.get(email) : undefined);
      if (!p) continue;
      this.results.set(p.trace, {
        key: p.input.key,
        email: p.input.email,
        ok: true,
        hubspotId: result.id,
        created: result.new === true,
      });
    }
    const unattributed: string[] = [];
    for (const error of body.errors ?? []) {
      const reason = readableReason(error.message ?? 'HubSpot refused this record');
      const traces = traceIdsOf(error);
      if (traces.length === 0) unattributed.push(reason);
      for (const trace of traces) {
        const p = byTrace.get(trace);
        if (p && !this.results.has(trace)) this.results.set(trace, failure(p, reason));
      }
    }
    const missing = group.filter((p) => !this.results.has(p.trace));
    if (missing.length > 0) {
      this.fail(missing, unattributed[0] ?? 'HubSpot reported no result for this record');
    }
  }

  private fail(group: Pending[], reason: string): void {
    for (const p of group) this.results.set(p.trace, failure(p, reason));
  }
}

/** Whole-batch rejections worth splitting: the batch holds a bad record. Others (404, 409…) fail every record. */
const SPLITTABLE_STATUSES = new Set([400, 422]);

function toUpsertInput(p: Pending) {
  return {
    id: p.email,
    idProperty: 'email',
    objectWriteTraceId: p.trace,
    properties: { ...p.input.properties, email: p.email },
  };
}

function halves<T>(items: T[]): [T[], T[]] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

function isDuplicateIds(rejection: HubSpotRejection): boolean {
  return rejection.status === 400 && /duplicate ids/i.test(rejection.message);
}

function traceIdsOf(error: HubSpotErrorBody): string[] {
  const raw = error.context?.objectWriteTraceId;
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string');
  return typeof raw === 'string' ? [raw] : [];
}

function mentionsEmail(rejection: HubSpotRejection, email: string): boolean {
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const standalone = new RegExp(`(^|[^A-Za-z0-9._%+@-])${escaped}($|[^A-Za-z0-9._%+@-])`, 'i');
  const ids = rejection.body?.context?.ids;
  const inIds = Array.isArray(ids) && ids.some((id) => typeof id === 'string' && id.toLowerCase() === email);
  return inIds || standalone.test(rejection.message);
}

/**
 * HubSpot wraps per-property problems in JSON inside the message ("Property values were not valid:
 * [{…"message":"Email address x is invalid"…}]"); the inner messages are what a person needs to read.
 */
export function readableReason(message: string): string {
  const start = message.indexOf('[{');
  if (start === -1) return message;
  try {
    const items = JSON.parse(message.slice(start)) as unknown;
    if (!Array.isArray(items)) return message;
    const inner = items
      .map((item: unknown) =>
        item && typeof item === 'object' ? (item as { message?: unknown }).message : undefined,
      )
      .filter((m): m is string => typeof m === 'string');
    return inner.length > 0
      ? `${message.slice(0, start).replace(/[:\s]+$/, '')}: ${inner.join('; ')}`
      : message;
  } catch {
    return message;
  }
}
