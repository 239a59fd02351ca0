/**
 * Email changes: the source gave a known person a new address. The HubSpot contact at the old address gets the
 * new one (batch update keyed by email), so the person is not duplicated (api-facts §3.3 batch/update).
 */
import type { EmailChange, EmailChangeResult } from '../../core/ports.ts';
import type { HubSpotTransport } from './client.ts';
import { readableReason } from './contacts.ts';
import { upsertResponseSchema } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

export async function changeEmails(
  deps: { transport: HubSpotTransport; paths: HubSpotPaths },
  changes: EmailChange[],
): Promise<EmailChangeResult[]> {
  if (changes.length === 0) return [];
  const reply = await deps.transport.request({
    endpoint: deps.paths.contactsBatchUpdate,
    body: {
      inputs: changes.map((c, i) => ({
        id: c.oldEmail,
        idProperty: 'email',
        objectWriteTraceId: String(i),
        properties: { email: c.newEmail },
      })),
    },
    schema: upsertResponseSchema,
  });
  if (!reply.ok) {
    // One refused change rejects the whole call: settle them one at a time.
    if (changes.length > 1) return (await Promise.all(changes.map((c) => changeEmails(deps, [c])))).flat();
    return [{ key: changes[0]!.key, ok: false, reason: readableReason(reply.rejection.message) }];
  }
  const written = new Set(reply.body.results.map((r) => r.objectWriteTraceId).filter((t) => t !== undefined));
  const reasons = new Map<string, string>();
  for (const error of reply.body.errors ?? []) {
    const traces = error.context?.objectWriteTraceId;
    for (const t of Array.isArray(traces) ? traces : [traces]) {
      if (typeof t === 'string') reasons.set(t, readableReason(error.message ?? 'refused'));
    }
  }
  return changes.map((c, i) =>
    written.has(String(i))
      ? { key: c.key, ok: true }
      : {
          key: c.key,
          ok: false,
          reason: reasons.get(String(i)) ?? 'HubSpot reported no result for this change',
        },
  );
}
