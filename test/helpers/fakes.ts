import type {
  MailchimpAudience,
  MailchimpMember,
  MailchimpMemberPage,
  MailchimpMemberPageParams,
  MailchimpMergeField,
  MailchimpPort,
} from '../../src/connectors/mailchimp/wire.ts';
import { createHash } from 'node:crypto';

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
