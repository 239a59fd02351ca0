import type { SourceContact } from '../core/contact.ts';

export const HUBSPOT_BATCH_SIZE = 100;

/**
 * Splits contacts into batches of at most `size` with no email twice in a batch (HubSpot rejects a whole
 * batch with a duplicate id). Order is kept; a repeated email goes to the next batch that lacks it.
 */
export function batchByUniqueEmail(contacts: SourceContact[], size = HUBSPOT_BATCH_SIZE): SourceContact[][] {
  const batches: { items: SourceContact[]; emails: Set<string> }[] = [];
  for (const contact of contacts) {
    let target = batches.find((b) => b.items.length < size && !b.emails.has(contact.email));
    if (!target) {
      target = { items: [], emails: new Set() };
      batches.push(target);
    }
    target.items.push(contact);
    target.emails.add(contact.email);
  }
  return batches.map((b) => b.items);
}
