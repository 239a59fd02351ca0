import type {
  ContactWrite,
  ContactWriteResult,
  EmailChange,
  EmailChangeResult,
  EmailWriteResult,
  HubSpotConsent,
  HubSpotPort,
  SubscribeInput,
} from '../../src/core/ports.ts';
import type {
  MailchimpAudience,
  MailchimpMember,
  MailchimpMemberPage,
  MailchimpMemberPageParams,
  MailchimpMergeField,
  MailchimpPort,
} from '../../src/connectors/mailchimp/wire.ts';
import { createHash } from 'node:crypto';

/** An in-memory HubSpot with the semantics the workers rely on, for orchestration tests without HTTP. */
export class FakeHubSpot implements HubSpotPort {
  contacts = new Map<string, { id: string; properties: Record<string, string> }>();
  optedOut = new Set<string>();
  marketing = new Map<string, 'SUBSCRIBED' | 'NOT_SUBSCRIBED'>();
  calls = {
    upsert: 0,
    readConsent: 0,
    unsubscribeAll: 0,
    subscribe: 0,
    ensureProperties: 0,
    changeEmails: 0,
  };
  /** Emails whose upsert fails as HubSpot would for an invalid value. */
  rejectEmails = new Set<string>();
  resubscribes: string[] = [];
  usingOptOutFallback = false;
  private nextId = 1;

  async ensureProperties(): Promise<void> {
    this.calls.ensureProperties++;
  }

  async upsertContacts(inputs: ContactWrite[]): Promise<ContactWriteResult[]> {
    this.calls.upsert++;
    if (inputs.length > 100) throw new Error('more than 100 inputs');
    if (new Set(inputs.map((i) => i.email)).size !== inputs.length) throw new Error('duplicate ids in batch');
    return inputs.map((input) => {
      if (this.rejectEmails.has(input.email)) {
        return { key: input.key, email: input.email, ok: false, reason: 'Property values were not valid' };
      }
      const existing = this.contacts.get(input.email);
      if (existing) {
        Object.assign(existing.properties, input.properties);
        return { key: input.key, email: input.email, ok: true, hubspotId: existing.id, created: false };
      }
      const id = String(this.nextId++);
      this.contacts.set(input.email, { id, properties: { ...input.properties } });
      return { key: input.key, email: input.email, ok: true, hubspotId: id, created: true };
    });
  }

  async changeEmails(changes: EmailChange[]): Promise<EmailChangeResult[]> {
    this.calls.changeEmails++;
    return changes.map((c) => {
      const contact = this.contacts.get(c.oldEmail);
      if (!contact || this.contacts.has(c.newEmail)) {
        return { key: c.key, ok: false, reason: 'no contact to rename' };
      }
      this.contacts.delete(c.oldEmail);
      this.contacts.set(c.newEmail, contact);
      return { key: c.key, ok: true };
    });
  }

  async readConsent(emails: string[]): Promise<Map<string, HubSpotConsent>> {
    this.calls.readConsent++;
    return new Map(
      emails.map((email) => [
        email,
        {
          email,
          optedOutOfAll: this.optedOut.has(email),
          marketing: this.marketing.get(email) ?? 'NOT_SPECIFIED',
        },
      ]),
    );
  }

  async unsubscribeAll(emails: string[]): Promise<EmailWriteResult[]> {
    this.calls.unsubscribeAll++;
    for (const email of emails) this.optedOut.add(email);
    return emails.map((email) => ({ email, ok: true }));
  }

  async subscribe(inputs: SubscribeInput[]): Promise<EmailWriteResult[]> {
    this.calls.subscribe++;
    return inputs.map(({ email }) => {
      if (this.optedOut.has(email) || this.marketing.get(email) === 'NOT_SUBSCRIBED') {
        this.resubscribes.push(email);
      }
      this.marketing.set(email, 'SUBSCRIBED');
      return { email, ok: true };
    });
  }
}

export function member(email: string, status: string, extra: Partial<MailchimpMember> = {}): MailchimpMember {
  return {
    id: createHash('md5').update(email.trim().toLowerCase()).digest('hex'),
    email_address: email,
    unique_email_id: `u-${email}`,
    contact_id: `c-${email}`,
    status,
    merge_fields: { FNAME: 'Ann', LNAME: 'Lee' },
    tags: [],
    ip_signup: '',
    timestamp_signup: '',
    ip_opt: '203.0.113.9',
    timestamp_opt: '2024-03-01T10:00:00+00:00',
    last_changed: '2024-03-01T10:00:00+00:00',
    ...extra,
  };
}

/** An in-memory Mailchimp: one audience, members by status, offset paging. */
export class FakeMailchimp implements MailchimpPort {
  audience: MailchimpAudience = { id: 'aud1', name: 'Newsletter' };
  mergeFieldList: MailchimpMergeField[] = [
    { tag: 'FNAME', name: 'First Name', type: 'text' },
    { tag: 'LNAME', name: 'Last Name', type: 'text' },
  ];
  members: MailchimpMember[] = [];
  pageCalls = 0;

  async listAudiences(): Promise<MailchimpAudience[]> {
    return [this.audience];
  }
  async getAudience(): Promise<MailchimpAudience> {
    return this.audience;
  }
  async mergeFields(): Promise<MailchimpMergeField[]> {
    return this.mergeFieldList;
  }
  async memberPage(p: MailchimpMemberPageParams): Promise<MailchimpMemberPage> {
    this.pageCalls++;
    const seconds = (iso: unknown) => Math.floor(Date.parse(String(iso)) / 1000);
    const matching = this.members
      .filter((m) => m.status === p.status)
      .filter((m) => !p.sinceLastChanged || seconds(m.last_changed) > seconds(p.sinceLastChanged))
      .filter((m) => !p.beforeLastChanged || seconds(m.last_changed) < seconds(p.beforeLastChanged))
      .sort((a, b) => seconds(a.last_changed) - seconds(b.last_changed));
    const members = matching.slice(p.offset, p.offset + p.count);
    const stamp = (m: MailchimpMember | undefined) => (m ? String(m.last_changed) : null);
    return {
      members,
      totalItems: matching.length,
      lastChanged: { first: stamp(members[0]), last: stamp(members[members.length - 1]) },
    };
  }
}
