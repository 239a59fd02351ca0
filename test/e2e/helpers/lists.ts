/**
 * What the lists tests share: HubSpot's lists by name and the list routes they count; for the segment tests,
 * their dataset and the people a segment's HubSpot list must hold.
 */
import type { LocalStack } from '../../../src/demo/local-stack.ts';
import type { MailchimpListSeed } from '../../../src/sandbox/generator/types.ts';
import type { HubSpotSnapshot } from '../../../src/sandbox/hubspot/index.ts';
import { generateDataset } from '../../../src/sandbox/index.ts';
import { normalize } from '../../helpers/expected-state.ts';
import { rowsOf } from './stack.ts';

export const LIST_ROUTES = {
  create: /^POST \/crm\/v3\/lists$/,
  add: /^PUT \/crm\/v3\/lists\/:listId\/memberships\/add$/,
  remove: /^PUT \/crm\/v3\/lists\/:listId\/memberships\/remove$/,
};

/** List name → member emails (sorted), as HubSpot holds them. */
export function hubspotLists(snapshot: HubSpotSnapshot): Map<string, string[]> {
  const emailOf = new Map(snapshot.contacts.map((c) => [c.id, (c.email ?? '').toLowerCase()]));
  return new Map(
    snapshot.lists.map((l) => [l.name, l.members.map((id) => emailOf.get(id) ?? `?${id}`).sort()]),
  );
}

/** Two Mailchimp audiences of 60 members, and nothing else: what the segment list tests start from. */
export const segmentDataset = (seed: number) =>
  generateDataset({
    seed,
    mailchimp: { audiences: 2, membersPerAudience: 60 },
    constantContact: { contacts: 0 },
    hubspotPreexisting: { contacts: 0 },
  });

/** Addresses of every record the runs wrote (neither skipped nor failed). */
export async function writtenEmails(stack: LocalStack, runIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const runId of runIds) {
    for (const row of (await rowsOf(stack.app.store, runId)).values()) {
      if (row.outcome !== 'failed' && row.outcome !== 'skipped' && row.email) out.add(row.email);
    }
  }
  return out;
}

/** The written people among an audience's members that pass the test (archived members are in no segment). */
export function peopleOf(
  stack: LocalStack,
  list: MailchimpListSeed,
  written: Set<string>,
  inSegment: (m: { email_address: string; tags: { name: string }[] }) => boolean,
): string[] {
  return stack.sandbox.mailchimp
    .members(list.id)
    .filter((m) => m.status !== 'archived' && inSegment(m))
    .map((m) => normalize(m.email_address))
    .filter((e): e is string => !!e && written.has(e))
    .sort();
}
