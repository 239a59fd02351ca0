/**
 * Which HubSpot lists a source record belongs in (src/mapping/lists.ts through both mappers) and the
 * configuration that asks for them (HUBSPOT_LISTS, HUBSPOT_LIST_NAME_*).
 */
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/env.ts';
import type { SourceContact } from '../../src/core/contact.ts';
import type { ListsPolicy } from '../../src/core/lists.ts';
import { DEFAULT_LIST_NAMES } from '../../src/core/lists.ts';
import type { MailchimpMember } from '../../src/connectors/mailchimp/wire.ts';
import type { CcContact, CcDefinitions } from '../../src/connectors/constant-contact/wire.ts';
import { ConfigError } from '../../src/errors/index.ts';
import { mapCcContact } from '../../src/mapping/constant-contact.ts';
import { listName, segmentLists } from '../../src/mapping/lists.ts';
import { mapMailchimpMember } from '../../src/mapping/mailchimp.ts';
import { DEFAULT_POLICY, policyFromConfig } from '../../src/mapping/policy.ts';

const ALL: ListsPolicy = { kinds: ['audience', 'tag', 'ccList'], names: DEFAULT_LIST_NAMES };
const audience = { id: 'aud1', name: 'Newsletter' };

function member(overrides: Partial<MailchimpMember> = {}): MailchimpMember {
  return {
    id: 'm1',
    email_address: 'ada@example.com',
    contact_id: 'c1',
    status: 'subscribed',
    tags: [
      { id: 11, name: 'VIP' },
      { id: 12, name: 'Webinar attendee' },
    ],
    last_changed: '2024-05-02T08:00:00+00:00',
    ...overrides,
  };
}

function mailchimpContact(m: MailchimpMember, lists: ListsPolicy | undefined): SourceContact {
  const policy = lists ? { ...DEFAULT_POLICY, lists } : DEFAULT_POLICY;
  const mapped = mapMailchimpMember(m, { audience, mergeFields: [], policy });
  if (mapped.kind !== 'contact') throw new Error(`expected a contact, got ${mapped.kind}: ${mapped.reason}`);
  return mapped.contact;
}

const definitions: CcDefinitions = {
  customFields: new Map(),
  lists: new Map([
    ['list-1', 'Customers'],
    ['list-2', 'Events 2024'],
  ]),
  tags: new Map(),
};

function ccContact(overrides: Partial<CcContact>, permission = 'explicit'): SourceContact {
  const contact: CcContact = {
    contact_id: 'cc-1',
    email_address: { address: 'jane@example.com', permission_to_send: permission },
    list_memberships: ['list-1', 'list-2'],
    ...overrides,
  };
  const mapped = mapCcContact(contact, { definitions, policy: { ...DEFAULT_POLICY, lists: ALL } });
  if (mapped.kind !== 'contact') throw new Error(`expected a contact, got ${mapped.kind}: ${mapped.reason}`);
  return mapped.contact;
}

describe('Mailchimp member → lists', () => {
  it('puts a member in its audience list and one list per tag, named by the default patterns', () => {
    expect(mailchimpContact(member(), ALL).lists).toEqual([
      { kind: 'audience', sourceId: 'aud1', sourceName: 'Newsletter', name: 'Mailchimp · Newsletter' },
      { kind: 'tag', sourceId: 'aud1:11', sourceName: 'VIP', name: 'Mailchimp · Newsletter · VIP' },
      {
        kind: 'tag',
        sourceId: 'aud1:12',
        sourceName: 'Webinar attendee',
        name: 'Mailchimp · Newsletter · Webinar attendee',
      },
    ]);
  });

  it('carries only the kinds asked for, and no lists at all when none is', () => {
    const tagsOnly = mailchimpContact(member(), { ...ALL, kinds: ['tag'] });
    expect(tagsOnly.lists?.map((l) => l.kind)).toEqual(['tag', 'tag']);
    const audiencesOnly = mailchimpContact(member(), { ...ALL, kinds: ['audience', 'ccList'] });
    expect(audiencesOnly.lists?.map((l) => l.name)).toEqual(['Mailchimp · Newsletter']);
    expect('lists' in mailchimpContact(member(), undefined)).toBe(false);
    expect('lists' in mailchimpContact(member(), { ...ALL, kinds: [] })).toBe(false);
  });

  it('keeps opted-out members in their lists: lists are not consent', () => {
    for (const status of ['unsubscribed', 'cleaned', 'pending', 'transactional']) {
      const contact = mailchimpContact(member({ status }), ALL);
      expect([status, contact.lists?.length]).toEqual([status, 3]);
    }
  });

  it('leaves out tags without a name, and a tag that appears twice once', () => {
    const tags = [{ id: 1, name: 'VIP' }, { id: 2 }, null, 'VIP', { id: 1, name: 'VIP' }, { name: '  ' }];
    const lists = mailchimpContact(member({ tags }), ALL).lists ?? [];
    expect(lists.map((l) => l.name)).toEqual(['Mailchimp · Newsletter', 'Mailchimp · Newsletter · VIP']);
    expect(mailchimpContact(member({ tags: 'VIP' }), ALL).lists?.length).toBe(1);
  });

  it('names lists with a configured pattern', () => {
    const policy = { ...ALL, names: { ...DEFAULT_LIST_NAMES, tag: 'MC tag <tag> (<audience>)' } };
    expect(mailchimpContact(member(), policy).lists?.[1]?.name).toBe('MC tag VIP (Newsletter)');
  });
});

describe('Constant Contact contact → lists', () => {
  it('puts a contact in one list per list_memberships entry, named from the account lists', () => {
    expect(ccContact({}).lists).toEqual([
      { kind: 'ccList', sourceId: 'list-1', sourceName: 'Customers', name: 'Constant Contact · Customers' },
      {
        kind: 'ccList',
        sourceId: 'list-2',
        sourceName: 'Events 2024',
        name: 'Constant Contact · Events 2024',
      },
    ]);
  });

  it('keeps an unknown list id as its name and ignores entries that are not ids', () => {
    const lists = ccContact({ list_memberships: ['list-9', 42, '', 'list-1', 'list-1'] }).lists;
    expect(lists?.map((l) => l.name)).toEqual(['Constant Contact · list-9', 'Constant Contact · Customers']);
    expect(ccContact({ list_memberships: undefined }).lists).toEqual([]);
  });

  it('keeps an unsubscribed contact in its lists, and puts a deleted (unsubscribed) contact in none', () => {
    expect(ccContact({}, 'unsubscribed').lists?.length).toBe(2);
    expect(ccContact({ deleted_at: '2024-06-01' }, 'unsubscribed').lists).toEqual([]);
  });
});

describe('Mailchimp segments → lists', () => {
  const segments = [
    { id: '7', name: 'Big spenders', type: 'saved', memberCount: 3 },
    { id: '11', name: 'VIP', type: 'static', memberCount: 2 },
    { id: '9', name: 'Lookalikes', type: 'fuzzy', memberCount: null },
  ];
  const policy = (kinds: ListsPolicy['kinds']): ListsPolicy => ({ kinds, names: DEFAULT_LIST_NAMES });

  it('carries saved and static segments by the kinds asked for, named by the default pattern; fuzzy ones never', () => {
    expect(segmentLists(audience, segments, policy(['savedSegment', 'staticSegment']))).toEqual([
      {
        kind: 'savedSegment',
        sourceId: 'aud1:7',
        sourceName: 'Big spenders',
        name: 'Mailchimp · Newsletter · Big spenders',
      },
      { kind: 'staticSegment', sourceId: 'aud1:11', sourceName: 'VIP', name: 'Mailchimp · Newsletter · VIP' },
    ]);
    expect(segmentLists(audience, segments, policy(['savedSegment'])).map((l) => l.sourceId)).toEqual([
      'aud1:7',
    ]);
    expect(segmentLists(audience, segments, policy(['audience', 'tag', 'ccList']))).toEqual([]);
  });

  it('leaves static segments to the tag lists when tags are carried too: a static segment is a tag', () => {
    const both = segmentLists(audience, segments, policy(['tag', 'savedSegment', 'staticSegment']));
    expect(both.map((l) => l.kind)).toEqual(['savedSegment']);
  });
});

describe('listName', () => {
  it('fills the placeholders it is given and leaves the others', () => {
    expect(listName('<audience> / <tag> / <list>', { audience: 'A', tag: 'T' })).toBe('A / T / <list>');
  });
});

describe('HUBSPOT_LISTS and HUBSPOT_LIST_NAME_* (configuration)', () => {
  it('carries no lists by default, with the default name patterns', () => {
    const config = parseConfig({});
    expect(config.lists).toEqual({ kinds: [], names: DEFAULT_LIST_NAMES });
    expect(policyFromConfig(config).lists?.kinds).toEqual([]);
  });

  it('reads a comma-separated choice of kinds, and all or none', () => {
    expect(parseConfig({ HUBSPOT_LISTS: 'tags, cc-lists' }).lists.kinds).toEqual(['tag', 'ccList']);
    expect(parseConfig({ HUBSPOT_LISTS: 'ALL' }).lists.kinds).toEqual([
      'audience',
      'tag',
      'savedSegment',
      'staticSegment',
      'ccList',
    ]);
    expect(parseConfig({ HUBSPOT_LISTS: 'saved-segments' }).lists.kinds).toEqual(['savedSegment']);
    expect(parseConfig({ HUBSPOT_LISTS: 'segments' }).lists.kinds).toEqual(['savedSegment', 'staticSegment']);
    const segments = parseConfig({ HUBSPOT_LISTS: 'segments', HUBSPOT_LIST_NAME_SEGMENT: 'MC <segment>' });
    expect(segments.lists.names.savedSegment).toBe('MC <segment>');
    expect(segments.lists.names.staticSegment).toBe('MC <segment>');
    expect(parseConfig({ HUBSPOT_LISTS: 'none' }).lists.kinds).toEqual([]);
    const named = parseConfig({ HUBSPOT_LISTS: 'audiences', HUBSPOT_LIST_NAME_AUDIENCE: 'MC <audience>' });
    expect(policyFromConfig(named).lists).toEqual({
      kinds: ['audience'],
      names: { ...DEFAULT_LIST_NAMES, audience: 'MC <audience>' },
    });
  });

  it('refuses an unknown kind and a pattern without its placeholder, naming the variable', () => {
    expect(() => parseConfig({ HUBSPOT_LISTS: 'audiences,groups' })).toThrow(ConfigError);
    expect(() => parseConfig({ HUBSPOT_LISTS: 'audiences,groups' })).toThrow(/^HUBSPOT_LISTS is invalid/);
    expect(() => parseConfig({ HUBSPOT_LIST_NAME_SEGMENT: 'Segments' })).toThrow(
      /^HUBSPOT_LIST_NAME_SEGMENT is invalid: must contain <segment>/,
    );
    expect(() => parseConfig({ HUBSPOT_LIST_NAME_TAG: 'Mailchimp tags' })).toThrow(
      /^HUBSPOT_LIST_NAME_TAG is invalid: must contain <tag>/,
    );
  });
});
