import type { ListState, StoredMember } from './store.ts';
import type { MailchimpListSeed } from '../generator/types.ts';

export interface Link {
  rel: string;
  href: string;
  method: string;
}

const link = (base: string, rel: string, path: string, method = 'GET'): Link => ({
  rel,
  href: `${base}${path}`,
  method,
});

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** A member exactly as GET /lists/{id}/members returns it (ListMembers2). */
export function renderMember(
  base: string,
  listId: string,
  m: StoredMember,
  optionalFields: 'null' | 'omit' = 'omit',
): Record<string, unknown> {
  const none = (key: string) => {
    if (optionalFields === 'null') out[key] = null;
  };
  const s = m.seed;
  const path = `/lists/${listId}/members/${m.hash}`;
  const out: Record<string, unknown> = {
    id: m.hash,
    email_address: s.email_address,
    unique_email_id: s.unique_email_id,
    contact_id: s.contact_id,
    full_name: [text(s.merge_fields.FNAME), text(s.merge_fields.LNAME)].filter(Boolean).join(' '),
    web_id: s.web_id,
    email_type: s.email_type,
    status: s.status,
  };
  if (s.status === 'unsubscribed' && s.unsubscribe_reason !== undefined) {
    out.unsubscribe_reason = s.unsubscribe_reason;
  } else none('unsubscribe_reason');
  out.consents_to_one_to_one_messaging = true;
  out.sms_phone_number = '';
  out.sms_subscription_status = '';
  out.sms_subscription_last_updated = '';
  out.merge_fields = s.merge_fields;
  if (s.interests) out.interests = s.interests;
  else none('interests');
  out.stats = { avg_open_rate: 0, avg_click_rate: 0 };
  out.ip_signup = s.ip_signup;
  out.timestamp_signup = s.timestamp_signup;
  out.ip_opt = s.ip_opt;
  out.timestamp_opt = s.timestamp_opt;
  out.member_rating = s.member_rating;
  out.last_changed = s.last_changed;
  out.language = s.language;
  out.vip = s.vip;
  out.email_client = s.email_client;
  out.location = s.location;
  if (s.marketing_permissions) out.marketing_permissions = s.marketing_permissions;
  else none('marketing_permissions');
  out.source = s.source;
  out.tags_count = s.tags.length;
  out.tags = s.tags;
  out.list_id = listId;
  out._links = [
    link(base, 'self', path),
    link(base, 'parent', `/lists/${listId}/members`),
    link(base, 'update', path, 'PATCH'),
    link(base, 'upsert', path, 'PUT'),
    link(base, 'delete', path, 'DELETE'),
  ];
  return out;
}

export function renderList(
  base: string,
  state: ListState,
  withTotalContacts: boolean,
): Record<string, unknown> {
  const l: Omit<MailchimpListSeed, 'members'> = state.list;
  const counts = { subscribed: 0, unsubscribed: 0, cleaned: 0, total: 0 };
  for (const m of state.members) {
    if (m.seed.status === 'subscribed') counts.subscribed++;
    else if (m.seed.status === 'unsubscribed') counts.unsubscribed++;
    else if (m.seed.status === 'cleaned') counts.cleaned++;
    counts.total++;
  }
  const stats: Record<string, unknown> = {
    member_count: counts.subscribed,
    unsubscribe_count: counts.unsubscribed,
    cleaned_count: counts.cleaned,
    member_count_since_send: counts.subscribed,
    unsubscribe_count_since_send: 0,
    cleaned_count_since_send: 0,
    campaign_count: 0,
    campaign_last_sent: '',
    merge_field_count: l.mergeFields.length,
    avg_sub_rate: 0,
    avg_unsub_rate: 0,
    target_sub_rate: 0,
    open_rate: 0,
    click_rate: 0,
    last_sub_date: '',
    last_unsub_date: '',
  };
  if (withTotalContacts) stats.total_contacts = counts.total;
  return {
    id: l.id,
    web_id: l.web_id,
    name: l.name,
    contact: {
      company: 'Sandbox Inc.',
      address1: '1 Sandbox Way',
      address2: '',
      city: 'Atlanta',
      state: 'GA',
      zip: '30303',
      country: 'US',
      phone: '',
    },
    permission_reminder: 'You signed up on our website.',
    use_archive_bar: true,
    campaign_defaults: { from_name: 'Sandbox', from_email: 'news@example.com', subject: '', language: 'en' },
    notify_on_subscribe: '',
    notify_on_unsubscribe: '',
    date_created: l.date_created,
    list_rating: 0,
    email_type_option: false,
    subscribe_url_short: `http://eepurl.com/${l.id.slice(0, 6)}`,
    subscribe_url_long: `https://example.us1.list-manage.com/subscribe?id=${l.id}`,
    beamer_address: `us1-${l.id}@inbound.mailchimp.com`,
    visibility: 'prv',
    double_optin: l.double_optin,
    has_welcome: false,
    marketing_permissions: l.marketing_permissions,
    modules: [],
    stats,
    _links: [link(base, 'self', `/lists/${l.id}`), link(base, 'members', `/lists/${l.id}/members`)],
  };
}
