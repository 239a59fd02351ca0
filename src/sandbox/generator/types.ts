/** The seed data the generator produces and the simulators serve. Field names follow the vendors' JSON. */

export type MailchimpStatus =
  'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional' | 'archived';
export const MAILCHIMP_STATUSES: readonly MailchimpStatus[] = [
  'subscribed',
  'unsubscribed',
  'cleaned',
  'pending',
  'transactional',
  'archived',
];

export type MergeFieldType =
  | 'text'
  | 'number'
  | 'address'
  | 'phone'
  | 'date'
  | 'birthday'
  | 'url'
  | 'imageurl'
  | 'radio'
  | 'dropdown'
  | 'zip';

export interface MailchimpAddress {
  addr1: string;
  addr2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
}

/** Merge values as Mailchimp returns them: "" when unset, numbers as JSON numbers, ADDRESS as an object. */
export type MergeValue = string | number | MailchimpAddress;

export interface MailchimpMergeFieldSeed {
  merge_id: number;
  tag: string;
  name: string;
  type: MergeFieldType;
  required: boolean;
  default_value: string;
  public: boolean;
  display_order: number;
  options: Record<string, unknown>;
  help_text: string;
}

export interface MailchimpInterestSeed {
  id: string;
  name: string;
  display_order: number;
}

export interface MailchimpInterestCategorySeed {
  id: string;
  title: string;
  type: 'checkboxes' | 'dropdown' | 'radio' | 'hidden';
  display_order: number;
  interests: MailchimpInterestSeed[];
}

export interface MailchimpTagSeed {
  id: number;
  name: string;
}

export interface MailchimpMarketingPermission {
  marketing_permission_id: string;
  text: string;
  enabled: boolean;
}

export interface MailchimpLocation {
  latitude: number;
  longitude: number;
  gmtoff: number;
  dstoff: number;
  country_code: string;
  timezone: string;
  region: string;
}

export interface MailchimpMemberSeed {
  email_address: string;
  status: MailchimpStatus;
  /** Only on unsubscribed members. */
  unsubscribe_reason?: string;
  merge_fields: Record<string, MergeValue>;
  /** Only when the list has interest groups. */
  interests?: Record<string, boolean>;
  /** Only on GDPR lists. */
  marketing_permissions?: MailchimpMarketingPermission[];
  tags: MailchimpTagSeed[];
  unique_email_id: string;
  contact_id: string;
  web_id: number;
  email_type: 'html' | 'text';
  ip_signup: string;
  timestamp_signup: string;
  ip_opt: string;
  timestamp_opt: string;
  /** "2024-03-01T10:00:00+00:00": second precision. */
  last_changed: string;
  language: string;
  vip: boolean;
  member_rating: number;
  email_client: string;
  source: string;
  location: MailchimpLocation;
}

export interface MailchimpListSeed {
  id: string;
  web_id: number;
  name: string;
  date_created: string;
  double_optin: boolean;
  /** Whether GDPR marketing permissions are enabled on the list. */
  marketing_permissions: boolean;
  mergeFields: MailchimpMergeFieldSeed[];
  interestCategories: MailchimpInterestCategorySeed[];
  /** Tags are static segments in Mailchimp. */
  tags: MailchimpTagSeed[];
  members: MailchimpMemberSeed[];
}

export type CcPermission =
  'implicit' | 'explicit' | 'unsubscribed' | 'pending_confirmation' | 'not_set' | 'temp_hold';
export const CC_PERMISSIONS: readonly CcPermission[] = [
  'implicit',
  'explicit',
  'unsubscribed',
  'pending_confirmation',
  'not_set',
  'temp_hold',
];

export interface CcEmailAddress {
  address: string;
  permission_to_send: CcPermission;
  created_at: string;
  updated_at: string;
  opt_in_source?: 'Account' | 'Contact';
  opt_in_date?: string;
  opt_out_source?: 'Account' | 'Contact';
  opt_out_date?: string;
  opt_out_reason?: string;
  confirm_status: 'pending' | 'confirmed' | 'off';
}

export interface CcPhoneNumber {
  phone_number_id: string;
  phone_number: string;
  kind: 'home' | 'work' | 'mobile' | 'other';
  created_at: string;
  updated_at: string;
  create_source: 'Account' | 'Contact';
  update_source: 'Account' | 'Contact';
}

export interface CcStreetAddress {
  street_address_id: string;
  kind: 'home' | 'work' | 'other';
  street: string;
  city: string;
  state: string;
  postal_code: string;
  country: string;
  created_at: string;
  updated_at: string;
}

export interface CcNote {
  note_id: string;
  created_at: string;
  content: string;
}

export interface CcSmsChannel {
  sms_channel_id: string;
  sms_address: string;
  dial_code: string;
  country_code: string;
  update_source: 'Account' | 'Contact';
  create_source: 'Account' | 'Contact';
  sms_channel_consents: {
    sms_consent_permission: string;
    consent_type: string;
    opt_in_date?: string;
    created_at: string;
    updated_at: string;
  }[];
}

/** A ContactResource with every sub-resource; the simulator drops the ones not asked for with `include`. */
export interface CcContactSeed {
  contact_id: string;
  /** Absent on SMS-only contacts. */
  email_address?: CcEmailAddress;
  first_name?: string;
  last_name?: string;
  job_title?: string;
  company_name?: string;
  birthday_month?: number;
  birthday_day?: number;
  anniversary?: string;
  create_source: 'Account' | 'Contact';
  update_source: 'Account' | 'Contact';
  created_at: string;
  updated_at: string;
  /** Date only ("2024-03-01"), on deleted contacts. */
  deleted_at?: string;
  custom_fields: { custom_field_id: string; value: string }[];
  phone_numbers: CcPhoneNumber[];
  street_addresses: CcStreetAddress[];
  list_memberships: string[];
  taggings: string[];
  notes: CcNote[];
  sms_channel?: CcSmsChannel;
}

export interface CcListSeed {
  list_id: string;
  name: string;
  description: string;
  favorite: boolean;
  created_at: string;
  updated_at: string;
}

export interface CcCustomFieldSeed {
  custom_field_id: string;
  label: string;
  name: string;
  type: 'string' | 'date';
  created_at: string;
  updated_at: string;
}

export interface CcTagSeed {
  tag_id: string;
  name: string;
  tag_source: string;
  created_at: string;
  updated_at: string;
}

/** Structurally the HubSpot simulator's HubSpotSeedContact. */
export interface HubSpotSeed {
  email: string;
  properties?: Record<string, string>;
  optedOutOfAll?: boolean;
  subscriptions?: Record<string, 'SUBSCRIBED' | 'NOT_SUBSCRIBED'>;
}

export interface Dataset {
  seed: number;
  mailchimp: { lists: MailchimpListSeed[] };
  constantContact: {
    lists: CcListSeed[];
    customFields: CcCustomFieldSeed[];
    tags: CcTagSeed[];
    contacts: CcContactSeed[];
  };
  hubspot: { contacts: HubSpotSeed[] };
}

export interface DatasetOptions {
  seed?: number;
  mailchimp?: { audiences?: number; membersPerAudience?: number };
  constantContact?: { contacts?: number };
  /** Share (0–1) of Constant Contact contacts who are also Mailchimp members. Default 0.3. */
  overlap?: number;
  hubspotPreexisting?: { contacts?: number; optedOutShare?: number };
}

export const emptyDataset = (seed = 0): Dataset => ({
  seed,
  mailchimp: { lists: [] },
  constantContact: { lists: [], customFields: [], tags: [], contacts: [] },
  hubspot: { contacts: [] },
});
