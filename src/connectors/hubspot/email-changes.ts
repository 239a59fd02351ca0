/**
 * Email changes: the source gave a known person a new address. HubSpot's batch update takes record ids only
 * (an update keyed by email is refused with "Unable to perform update/upsert by non-unique 0-1 property"), so
 * the record ids are read by the old addresses first, then those records get the new address.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/read-contacts
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/update-contacts
 * https://github.com/HubSpot/hubspot-api-nodejs/issues/548
 */
import { canonicalEmail } from '../../core/contact.ts';
import type { EmailChange, EmailChangeResult } from '../../core/ports.ts';
import type { HubSpotTransport } from './client.ts';
import { MAX_BATCH_INPUTS, readableReason } from './contacts.ts';
import { batchReadResponseSchema, upsertResponseSchema } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

export interface EmailChangeDeps {
  transport: HubSpotTransport;
  paths: HubSpotPaths;
}

export const NO_CONTACT_AT_OLD_ADDRESS = 'HubSpot has no contact at the old address';
export const SAME_CONTACT_TWICE = 'another change in this batch moves the same HubSpot contact';

const normal = canonicalEmail;

/** One result per change, in input order. */
export async function changeEmails(
  deps: EmailChangeDeps,
  changes: EmailChange[],
): Promise<EmailChangeResult[]> {
  const results: EmailChangeResult[] = [];
  for (let i = 0; i < changes.length; i += MAX_BATCH_INPUTS) {
    results.push(...(await changeChunk(deps, changes.slice(i, i + MAX_BATCH_INPUTS))));
  }
  return results;
}

async function changeChunk(deps: EmailChangeDeps, changes: EmailChange[]): Promise<EmailChangeResult[]> {
  if (changes.length === 0) return [];
  const ids = await readIds(deps, changes);
  if (!(ids instanceof Map)) return ids;

  const results = new Map<number, EmailChangeResult>();
  const moves: { index: number; change: EmailChange; id: string }[] = [];
  const claimed = new Set<string>();
  changes.forEach((change, index) => {
    const id = ids.get(normal(change.oldEmail));
    if (id === undefined) {
      results.set(index, { key: change.key, ok: false, reason: NO_CONTACT_AT_OLD_ADDRESS, oldMissing: true });
    } else if (claimed.has(id)) {
      results.set(index, { key: change.key, ok: false, reason: SAME_CONTACT_TWICE });
    } else {
      claimed.add(id);
      moves.push({ index, change, id });
    }
  });
  for (const result of await updateById(deps, moves)) results.set(result.index, result.result);
  return changes.map(
    (change, index) =>
      results.get(index) ?? {
        key: change.key,
        ok: false,
        reason: 'HubSpot reported no result for this change',
      },
  );
}

/** Record id per lowercased old address, or one failure per change when HubSpot refuses the read. */
async function readIds(
  deps: EmailChangeDeps,
  changes: EmailChange[],
): Promise<Map<string, string> | EmailChangeResult[]> {
  const wanted = [...new Set(changes.map((c) => normal(c.oldEmail)))];
  const reply = await deps.transport.request({
    endpoint: deps.paths.contactsBatchRead,
    body: { idProperty: 'email', properties: ['email'], inputs: wanted.map((id) => ({ id })) },
    schema: batchReadResponseSchema,
  });
  if (!reply.ok) {
    if (changes.length > 1) return (await Promise.all(changes.map((c) => changeChunk(deps, [c])))).flat();
    return [{ key: changes[0]!.key, ok: false, reason: readableReason(reply.rejection.message) }];
  }
  const ids = new Map<string, string>();
  for (const record of reply.body.results) {
    const email = record.properties?.email;
    if (typeof email === 'string') ids.set(normal(email), record.id);
  }
  return ids;
}

interface Move {
  index: number;
  change: EmailChange;
  id: string;
}

async function updateById(
  deps: EmailChangeDeps,
  moves: Move[],
): Promise<{ index: number; result: EmailChangeResult }[]> {
  if (moves.length === 0) return [];
  const reply = await deps.transport.request({
    endpoint: deps.paths.contactsBatchUpdate,
    body: {
      inputs: moves.map((m) => ({
        id: m.id,
        objectWriteTraceId: String(m.index),
        properties: { email: normal(m.change.newEmail) },
      })),
    },
    schema: upsertResponseSchema,
  });
  if (!reply.ok) {
    // Without a partial answer one refused change fails the whole call: settle them one at a time.
    if (moves.length > 1) return (await Promise.all(moves.map((m) => updateById(deps, [m])))).flat();
    const [only] = moves as [Move];
    return [
      {
        index: only.index,
        result: { key: only.change.key, ok: false, reason: readableReason(reply.rejection.message) },
      },
    ];
  }
  const written = new Map<string, string>();
  const updatedIds = new Set(reply.body.results.map((r) => r.id));
  for (const r of reply.body.results) if (r.objectWriteTraceId) written.set(r.objectWriteTraceId, r.id);
  const reasons = new Map<string, string>();
  for (const error of reply.body.errors ?? []) {
    const traces = error.context?.objectWriteTraceId;
    for (const t of Array.isArray(traces) ? traces : [traces]) {
      if (typeof t === 'string') reasons.set(t, readableReason(error.message ?? 'refused'));
    }
  }
  return moves.map((m) => {
    const trace = String(m.index);
    const id = written.get(trace) ?? (updatedIds.has(m.id) ? m.id : undefined);
    return {
      index: m.index,
      result:
        id !== undefined
          ? { key: m.change.key, ok: true, hubspotId: id }
          : {
              key: m.change.key,
              ok: false,
              reason: reasons.get(trace) ?? 'HubSpot reported no result for this change',
            },
    };
  });
}
