/** verify reads the sources with the workers' pagers and counts a record read twice (keyset overlap) once. */
import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import type {
  MailchimpMember,
  MailchimpMemberPageParams,
  MailchimpPort,
} from '../../src/connectors/mailchimp/wire.ts';
import type { ConstantContactPort } from '../../src/connectors/constant-contact/wire.ts';
import { DEFAULT_POLICY } from '../../src/mapping/policy.ts';
import { readSources } from '../../src/verify/read-sources.ts';

const member = (i: number, status = 'subscribed'): MailchimpMember => ({
  id: `m${i}`,
  email_address: `person${i}@example.com`,
  status,
  last_changed: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
});

/** One audience: 1,000 subscribed members on the first page; the keyset's next page repeats the last one. */
function mailchimp(calls: MailchimpMemberPageParams[]): MailchimpPort {
  const first = Array.from({ length: 1000 }, (_, i) => member(i));
  return {
    listAudiences: () => Promise.resolve([{ id: 'aud', name: 'Audience' }]),
    getAudience: (id) => Promise.resolve({ id, name: 'Audience' }),
    mergeFields: () => Promise.resolve([]),
    segments: () => Promise.resolve([]),
    segmentMemberPage: () => Promise.resolve({ emails: [], totalItems: 0 }),
    memberPage: (params) => {
      calls.push(params);
      if (params.status !== 'subscribed') return Promise.resolve({ members: [], totalItems: 0 });
      const members = params.sinceLastChanged
        ? [member(999), member(1000), member(1001, 'subscribed')]
        : first;
      const stamp = (m: MailchimpMember | undefined) => (m ? String(m.last_changed) : null);
      return Promise.resolve({
        members,
        totalItems: 1002,
        lastChanged: { first: stamp(members[0]), last: stamp(members.at(-1)) },
      });
    },
  };
}

const cc: ConstantContactPort = {
  definitions: () => Promise.resolve({ customFields: new Map(), lists: new Map(), tags: new Map() }),
  contactPage: ({ cursor }) =>
    Promise.resolve(
      cursor === null
        ? {
            contacts: [
              {
                contact_id: 'c1',
                email_address: { address: 'person1@example.com', permission_to_send: 'unsubscribed' },
              },
            ],
            nextCursor: '/v3/contacts?cursor=2',
            totalCount: 2,
          }
        : { contacts: [{ contact_id: 'c2' }], nextCursor: null, totalCount: 2 },
    ),
};

describe('verify reading the sources', () => {
  it('follows the keyset and counts the records of the repeated second once', async () => {
    const seen = new Set<string>();
    const contacts: SourceContact[] = [];
    const calls: MailchimpMemberPageParams[] = [];
    const counts = await readSources(
      { mailchimp: () => mailchimp(calls), constantContact: () => cc },
      {
        sources: ['mailchimp', 'constant-contact'],
        audiences: [],
        policy: DEFAULT_POLICY,
        now: new Date('2025-01-01T00:00:00Z'),
        firstSeen: (keys) =>
          Promise.resolve(
            keys.map((k) => {
              const fresh = !seen.has(k);
              seen.add(k);
              return fresh;
            }),
          ),
        onPage: (page) => {
          contacts.push(...page);
          return Promise.resolve();
        },
      },
    );
    // 1,002 distinct members (member 999 read twice) and two Constant Contact contacts, one without an email.
    expect(counts).toEqual({ read: 1004, contacts: 1003, skipped: 1, failed: 0 });
    expect(new Set(contacts.map((c) => c.key)).size).toBe(contacts.length);
    const second = calls.find((c) => c.status === 'subscribed' && c.sinceLastChanged);
    expect(second?.sinceLastChanged).toBe('2024-01-01T00:16:38+00:00');
    expect(contacts.find((c) => c.key === 'constant-contact:c1')?.consent.state).toBe('optOut');
  });
});
