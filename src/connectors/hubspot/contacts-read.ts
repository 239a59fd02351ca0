/**
 * Contacts batch read by email: which addresses HubSpot holds a contact for, with the properties asked for.
 * At most 100 inputs per call; addresses HubSpot has no contact for come back in errors[] (207), not as a
 * failure of the call.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/read-contacts
 */
import { canonicalEmail } from '../../core/contact.ts';
import type { HubSpotContactRead } from '../../core/ports.ts';
import { RuntimeError } from '../../errors/index.ts';
import { chunked } from '../../lib/chunked.ts';
import type { HubSpotTransport } from './client.ts';
import { MAX_BATCH_INPUTS } from './contacts.ts';
import { scopeError } from './errors.ts';
import { batchReadResponseSchema } from './schemas.ts';
import type { HubSpotPaths } from './versions.ts';

const READ_SCOPE = 'crm.objects.contacts.read';

export interface ContactsReadDeps {
  transport: HubSpotTransport;
  paths: HubSpotPaths;
}

/**
 * One entry per address that has a contact, keyed by the canonical address; an address without a contact is
 * absent from the map. Property values come back as strings (HubSpot's wire format); null and missing values
 * are left out.
 */
export async function readContactsByEmail(
  deps: ContactsReadDeps,
  emails: string[],
  properties: string[],
): Promise<Map<string, HubSpotContactRead>> {
  const out = new Map<string, HubSpotContactRead>();
  const wanted = [...new Set(['email', ...properties])];
  for (const chunk of chunked([...new Set(emails.map(canonicalEmail))], MAX_BATCH_INPUTS)) {
    const reply = await deps.transport.request({
      endpoint: deps.paths.contactsBatchRead,
      body: { idProperty: 'email', properties: wanted, inputs: chunk.map((id) => ({ id })) },
      schema: batchReadResponseSchema,
      passThrough: [403],
    });
    if (!reply.ok) {
      if (reply.rejection.status === 403) throw scopeError(reply.rejection, 'read contacts', READ_SCOPE);
      throw new RuntimeError(
        `HubSpot refused a contacts batch read (${reply.rejection.status}): ${reply.rejection.message}`,
      );
    }
    const asked = new Set(chunk);
    for (const result of reply.body.results) {
      const values: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.properties ?? {})) {
        if (typeof value === 'string') values[name] = value;
        else if (typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
      }
      const email = values.email === undefined ? undefined : canonicalEmail(values.email);
      // A contact found through one of its additional addresses names its primary address: not this one.
      if (email && asked.has(email)) out.set(email, { email, hubspotId: result.id, properties: values });
    }
  }
  return out;
}
