import type { Prng } from './prng.ts';
import type {
  CcContactSeed,
  CcCustomFieldSeed,
  CcEmailAddress,
  CcListSeed,
  CcPermission,
  CcTagSeed,
  MailchimpStatus,
} from './types.ts';
import type { Person } from './people.ts';
import { ccTime, messyEmail, messyName, timeBetween } from './people.ts';
import { DATA_NOW, SIGNUP_FROM } from './mailchimp.ts';
import { CITIES, COMPANIES, JOB_TITLES, UNSUBSCRIBE_REASONS } from './vocab.ts';

const PERMISSION_MIX: Record<CcPermission, number> = {
  implicit: 40,
  explicit: 30,
  unsubscribed: 12,
  pending_confirmation: 5,
  not_set: 8,
  temp_hold: 5,
};

export interface CcCatalog {
  lists: CcListSeed[];
  customFields: CcCustomFieldSeed[];
  tags: CcTagSeed[];
}

const stamp = (ms: number) => ({ created_at: ccTime(ms), updated_at: ccTime(ms) });

export function makeCcCatalog(rng: Prng): CcCatalog {
  const lists = ['General Interest', 'Customers', 'Newsletter', 'Événements 🎉'].map((name, i) => ({
    list_id: rng.uuid(),
    name,
    description: i === 0 ? 'Default list' : '',
    favorite: i === 1,
    ...stamp(Date.UTC(2018, 2, 1 + i)),
  }));
  const customFields = (
    [
      ['Favorite color', 'string'],
      ['Member since', 'date'],
      ['Company size', 'string'],
      ['Renewal date', 'date'],
      ['Référence client', 'string'],
      ['Referral', 'string'],
    ] as const
  ).map(([label, type], i) => ({
    custom_field_id: rng.uuid(),
    label,
    name: label.replace(/ /g, '_'),
    type,
    ...stamp(Date.UTC(2018, 3, 1 + i)),
  }));
  const tags = ['Donor', 'Volunteer', 'Board', 'Imported 2022', 'Spring fair 🌷'].map((name, i) => ({
    tag_id: rng.uuid(),
    name,
    tag_source: i === 3 ? 'Import' : 'Manual',
    ...stamp(Date.UTC(2019, 1, 1 + i)),
  }));
  return { lists, customFields, tags };
}

/** Someone's CC permission when the generator wants it to disagree with their Mailchimp status. */
export function conflictingPermission(mcStatus: MailchimpStatus): CcPermission {
  return mcStatus === 'subscribed' || mcStatus === 'pending' || mcStatus === 'transactional'
    ? 'unsubscribed'
    : 'explicit';
}

function emailAddress(
  rng: Prng,
  person: Person,
  permission: CcPermission,
  createdMs: number,
): CcEmailAddress {
  const updated = timeBetween(rng, createdMs, DATA_NOW);
  const email: CcEmailAddress = {
    address: messyEmail(rng, person.email),
    permission_to_send: permission,
    created_at: ccTime(createdMs),
    updated_at: ccTime(updated),
    confirm_status:
      permission === 'pending_confirmation' ? 'pending' : permission === 'explicit' ? 'confirmed' : 'off',
  };
  if (permission !== 'not_set') {
    email.opt_in_source = rng.chance(0.7) ? 'Account' : 'Contact';
    email.opt_in_date = ccTime(createdMs);
  }
  if (permission === 'unsubscribed') {
    email.opt_out_source = rng.chance(0.7) ? 'Contact' : 'Account';
    email.opt_out_date = ccTime(updated);
    email.opt_out_reason = rng.pick(UNSUBSCRIBE_REASONS);
  }
  return email;
}

export function makeCcContact(
  rng: Prng,
  catalog: CcCatalog,
  person: Person,
  permission: CcPermission = rng.weighted(PERMISSION_MIX),
): CcContactSeed {
  const created = timeBetween(rng, SIGNUP_FROM, DATA_NOW - 86400_000);
  const smsOnly = rng.chance(0.01);
  const deleted = rng.chance(0.04);
  const email = smsOnly ? undefined : emailAddress(rng, person, permission, created);
  const updatedMs = email ? Date.parse(email.updated_at) : timeBetween(rng, created, DATA_NOW);
  const contact: CcContactSeed = {
    contact_id: rng.uuid(),
    create_source: rng.chance(0.8) ? 'Account' : 'Contact',
    update_source: email?.opt_out_source ?? (rng.chance(0.8) ? 'Account' : 'Contact'),
    created_at: ccTime(created),
    updated_at: ccTime(updatedMs),
    custom_fields: catalog.customFields
      .filter(() => rng.chance(0.3))
      .map((f) => ({
        custom_field_id: f.custom_field_id,
        value:
          f.type === 'date'
            ? ccTime(timeBetween(rng, SIGNUP_FROM, DATA_NOW)).slice(0, 10)
            : rng.pick(['blue', 'Ünïcode ✓', '42', '']),
      })),
    phone_numbers: rng.chance(0.3)
      ? [
          {
            phone_number_id: rng.uuid(),
            phone_number: `+1-555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`,
            kind: rng.pick(['home', 'work', 'mobile', 'other'] as const),
            ...stamp(created),
            create_source: 'Account',
            update_source: 'Account',
          },
        ]
      : [],
    street_addresses: rng.chance(0.2)
      ? (() => {
          const [city, state, postal_code, country] = rng.pick(CITIES);
          return [
            {
              street_address_id: rng.uuid(),
              kind: rng.pick(['home', 'work', 'other'] as const),
              street: `${rng.int(1, 999)} Elm St`,
              city,
              state,
              postal_code,
              country,
              ...stamp(created),
            },
          ];
        })()
      : [],
    list_memberships: deleted ? [] : rng.sample(catalog.lists, rng.int(0, 2)).map((l) => l.list_id),
    taggings: rng.sample(catalog.tags, rng.int(0, 2)).map((t) => t.tag_id),
    notes: rng.chance(0.05)
      ? [{ note_id: rng.uuid(), created_at: ccTime(created), content: 'Met at the spring fair.' }]
      : [],
  };
  const first = messyName(rng, person.firstName);
  const last = messyName(rng, person.lastName);
  if (first !== undefined) contact.first_name = first;
  if (last !== undefined) contact.last_name = last;
  if (email) contact.email_address = email;
  if (rng.chance(0.3)) contact.company_name = rng.pick(COMPANIES);
  if (rng.chance(0.3)) contact.job_title = rng.pick(JOB_TITLES);
  if (rng.chance(0.2)) {
    contact.birthday_month = rng.int(1, 12);
    contact.birthday_day = rng.int(1, 28);
  }
  if (rng.chance(0.05)) contact.anniversary = ccTime(created).slice(0, 10);
  if (smsOnly || rng.chance(0.03)) {
    contact.sms_channel = {
      sms_channel_id: rng.uuid(),
      sms_address: `404555${rng.int(1000, 9999)}`,
      dial_code: '1',
      country_code: 'US',
      update_source: 'Contact',
      create_source: 'Contact',
      sms_channel_consents: [
        {
          sms_consent_permission: 'explicit',
          consent_type: 'promotional_sms',
          opt_in_date: ccTime(created),
          ...stamp(created),
        },
      ],
    };
  }
  if (deleted) {
    const deletedMs = timeBetween(rng, updatedMs, DATA_NOW);
    contact.deleted_at = ccTime(deletedMs).slice(0, 10);
    // The spec: a deleted contact's email_address carries opt_out_source and opt_out_date, while
    // permission_to_send keeps its value ("deleted contacts are not unsubscribed").
    if (email && !email.opt_out_date) {
      email.opt_out_source = 'Account';
      email.opt_out_date = ccTime(deletedMs);
    }
  }
  return contact;
}
