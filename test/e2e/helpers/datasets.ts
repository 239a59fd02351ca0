/** Seed data for the end-to-end tests: the generator's messy data plus the cases it only produces by chance. */
import { generateDataset, type Dataset, type DatasetOptions } from '../../../src/sandbox/index.ts';
import type { MailchimpMemberSeed } from '../../../src/sandbox/generator/types.ts';
import { normalize } from '../../helpers/expected-state.ts';

export interface Planted {
  /** Passes a lenient email check, but HubSpot refuses the domain. */
  hubspotRefused: MailchimpMemberSeed;
  /** No @ at all. */
  noAt: MailchimpMemberSeed;
  /** Two dots in a row. */
  doubleDot: MailchimpMemberSeed;
  /** Subscribed in Mailchimp; HubSpot already has their marketing subscription NOT_SUBSCRIBED. */
  unsubscribedInHubSpot: MailchimpMemberSeed;
  /** Subscribed in Mailchimp; HubSpot already has them opted out of all email (address cased differently). */
  optedOutInHubSpot: MailchimpMemberSeed;
}

/**
 * A generated dataset with invalid addresses and pre-existing HubSpot opt-outs planted among the first
 * audience's members, so every run meets them whatever the seed.
 */
export function plantedDataset(options: DatasetOptions): { dataset: Dataset; planted: Planted } {
  const dataset = generateDataset(options);
  const list = dataset.mailchimp.lists[0]!;
  const known = new Set(dataset.hubspot.contacts.map((c) => c.email.trim().toLowerCase()));
  const inOtherAudiences = new Set(
    dataset.mailchimp.lists.slice(1).flatMap((l) => l.members.map((m) => m.email_address.toLowerCase())),
  );
  const candidates = (status: string) =>
    list.members.filter(
      (m) =>
        m.status === status &&
        normalize(m.email_address) !== null &&
        !known.has(m.email_address.toLowerCase()) &&
        !inOtherAudiences.has(m.email_address.toLowerCase()),
    );
  const subscribed = candidates('subscribed');
  const pending = candidates('pending');
  const [refused, noAt, unsubscribedInHubSpot, optedOutInHubSpot] = subscribed;
  const [doubleDot] = pending;
  if (!refused || !noAt || !unsubscribedInHubSpot || !optedOutInHubSpot || !doubleDot) {
    throw new Error('plantedDataset: the generated audience is too small to plant every case');
  }
  refused.email_address = `${refused.email_address.split('@')[0]}@exa_mple.com`;
  noAt.email_address = noAt.email_address.replace('@', '.at.');
  doubleDot.email_address = doubleDot.email_address.replace('@', '..x@');
  dataset.hubspot.contacts.push(
    { email: unsubscribedInHubSpot.email_address, subscriptions: { '1001': 'NOT_SUBSCRIBED' } },
    { email: optedOutInHubSpot.email_address.toUpperCase(), optedOutOfAll: true },
  );
  return {
    dataset,
    planted: { hubspotRefused: refused, noAt, doubleDot, unsubscribedInHubSpot, optedOutInHubSpot },
  };
}
