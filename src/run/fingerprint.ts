import { hash } from 'node:crypto';
import type { SourceContact } from '../core/contact.ts';

/**
 * A digest of what a record asks HubSpot to hold: email, properties and subscription intent. Equal digests
 * mean an earlier write already put exactly this in HubSpot, so the record is not written again.
 */
export function fingerprint(contact: SourceContact): string {
  const properties = Object.keys(contact.properties)
    .sort()
    .map((k) => [k, contact.properties[k]]);
  const consent =
    contact.consent.state === 'subscribe'
      ? ['subscribe', contact.consent.legalBasis]
      : [contact.consent.state];
  // One-shot hash: the same digest as createHash().update().digest(), without a Hash object per record.
  return hash('sha256', JSON.stringify([contact.email, properties, consent]), 'base64url').slice(0, 22);
}
