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

const isOptOut = (c: SourceContact) => c.consent.state === 'optOut';

/**
 * The full batches in these contacts, and the rest to carry to the next page. Opt-outs and the others are
 * batched apart, so that every batch that holds opt-outs is full of them: a batch costs one upsert, and one
 * opt-out write more when it holds an opt-out. What is carried stays under two batches (a batch held back only
 * by a repeated address is sent rather than carried further).
 */
export function fullBatches(
  contacts: SourceContact[],
  size = HUBSPOT_BATCH_SIZE,
): { full: SourceContact[][]; rest: SourceContact[] } {
  const full: SourceContact[][] = [];
  const partial: SourceContact[][] = [];
  for (const group of [contacts.filter(isOptOut), contacts.filter((c) => !isOptOut(c))]) {
    for (const batch of batchByUniqueEmail(group, size)) (batch.length === size ? full : partial).push(batch);
  }
  partial.sort((a, b) => a.length - b.length);
  let carried = partial.reduce((n, b) => n + b.length, 0);
  while (carried > 2 * size) {
    const biggest = partial.pop()!;
    full.push(biggest);
    carried -= biggest.length;
  }
  return { full, rest: partial.flat() };
}

/** The last batches of a run's read: every contact, opt-outs first, so at most one batch is part opt-outs. */
export function lastBatches(contacts: SourceContact[], size = HUBSPOT_BATCH_SIZE): SourceContact[][] {
  return batchByUniqueEmail([...contacts.filter(isOptOut), ...contacts.filter((c) => !isOptOut(c))], size);
}
