/** Mailchimp members for the sandbox's audiences, written by hand where a test needs exact values. */
import type { MailchimpMemberSeed } from '../../src/sandbox/generator/types.ts';

/** A member as Mailchimp holds it; a test picks the address, status and whatever else it is about. */
export function member(
  email: string,
  status: MailchimpMemberSeed['status'],
  extra: Partial<MailchimpMemberSeed> = {},
): MailchimpMemberSeed {
  return {
    email_address: email,
    status,
    merge_fields: { FNAME: 'Ann', LNAME: 'Lee' },
    tags: [],
    unique_email_id: `u-${email}`,
    contact_id: `c-${email}`,
    web_id: 1,
    email_type: 'html',
    ip_signup: '',
    timestamp_signup: '',
    ip_opt: '203.0.113.9',
    timestamp_opt: '2024-03-01T10:00:00+00:00',
    last_changed: '2024-03-01T10:00:00+00:00',
    language: '',
    vip: false,
    member_rating: 2,
    email_client: '',
    source: 'API - Generic',
    location: { latitude: 0, longitude: 0, gmtoff: 0, dstoff: 0, country_code: '', timezone: '', region: '' },
    ...extra,
  };
}
