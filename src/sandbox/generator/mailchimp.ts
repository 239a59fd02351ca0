import type { Prng } from './prng.ts';
import type {
  MailchimpInterestCategorySeed,
  MailchimpListSeed,
  MailchimpLocation,
  MailchimpMemberSeed,
  MailchimpMergeFieldSeed,
  MailchimpStatus,
  MailchimpTagSeed,
  MergeFieldType,
  MergeValue,
} from './types.ts';
import type { Person } from './people.ts';
import { fakeIp, mailchimpTime, messyEmail, messyName, timeBetween } from './people.ts';
import { CITIES, EMAIL_CLIENTS, LANGUAGES, MC_SOURCES, TIMEZONES, UNSUBSCRIBE_REASONS } from './vocab.ts';

const STATUS_MIX: Record<MailchimpStatus, number> = {
  subscribed: 70,
  unsubscribed: 10,
  cleaned: 5,
  pending: 5,
  transactional: 6,
  archived: 4,
};

export const SIGNUP_FROM = Date.UTC(2019, 0, 1);
/** The generated world's "now": every generated timestamp is before it, so run-time edits are always newer. */
export const DATA_NOW = Date.UTC(2024, 5, 1);
/** Bulk imports give many members the same last_changed second, which exercises second-precision cursors. */
const BULK_IMPORT_TIMES = Array.from({ length: 12 }, (_, i) => Date.UTC(2023, i, 15, 9, 30, 0));

const TAG_COUNTS = { none: 0, one: 1, two: 2, three: 3 };
const TAG_COUNT_MIX = { none: 50, one: 30, two: 15, three: 5 };
const PLAN_CHOICES = ['Free', 'Pro', 'Enterprise'];
const REGION_CHOICES = ['North', 'South', 'Östra', 'West 🌅'];

const field = (
  merge_id: number,
  tag: string,
  name: string,
  type: MergeFieldType,
  options: Record<string, unknown> = {},
): MailchimpMergeFieldSeed => ({
  merge_id,
  tag,
  name,
  type,
  required: false,
  default_value: '',
  public: merge_id <= 4,
  display_order: merge_id + 1,
  options,
  help_text: '',
});

/** One merge field of every type; more than 10, so a client that ignores paging misses some. */
export const standardMergeFields = (): MailchimpMergeFieldSeed[] => [
  field(1, 'FNAME', 'First Name', 'text', { size: 25 }),
  field(2, 'LNAME', 'Last Name', 'text', { size: 25 }),
  field(3, 'ADDRESS', 'Address', 'address', { default_country: 164 }),
  field(4, 'PHONE', 'Phone Number', 'phone', { phone_format: 'none' }),
  field(5, 'BIRTHDAY', 'Birthday', 'birthday', { date_format: 'MM/DD' }),
  field(6, 'LTV', 'Lifetime value', 'number'),
  field(7, 'SIGNUPDATE', 'Signup date', 'date', { date_format: 'YYYY-MM-DD' }),
  field(8, 'WEBSITE', 'Website', 'url'),
  field(9, 'AVATAR', 'Avatar', 'imageurl'),
  field(10, 'PLAN', 'Plan', 'radio', { choices: PLAN_CHOICES }),
  field(11, 'REGION', 'Région', 'dropdown', { choices: REGION_CHOICES }),
  field(12, 'ZIPCODE', 'Zip', 'zip'),
];

const pad2 = (n: number): string => String(n).padStart(2, '0');

function mergeValues(rng: Prng, person: Person): Record<string, MergeValue> {
  const blank = (p: number, v: () => MergeValue): MergeValue => (rng.chance(p) ? '' : v());
  const [city, state, zip, country] = rng.pick(CITIES);
  return {
    FNAME: messyName(rng, person.firstName) ?? '',
    LNAME: messyName(rng, person.lastName) ?? '',
    ADDRESS: blank(0.4, () => ({
      addr1: `${rng.int(1, 999)} Main St`,
      addr2: rng.chance(0.2) ? `Apt ${rng.int(1, 40)}` : '',
      city,
      state,
      zip,
      country,
    })),
    PHONE: blank(0.5, () => rng.pick(['+1 404-555-', '(503) 555-', '+49 89 5550']) + rng.int(1000, 9999)),
    BIRTHDAY: blank(0.6, () => `${pad2(rng.int(1, 12))}/${pad2(rng.int(1, 28))}`),
    LTV: blank(0.5, () => Math.round(rng.next() * 500000) / 100),
    SIGNUPDATE: blank(0.3, () =>
      new Date(timeBetween(rng, SIGNUP_FROM, DATA_NOW)).toISOString().slice(0, 10),
    ),
    WEBSITE: blank(0.8, () => `https://www.example.com/~${person.index}`),
    AVATAR: blank(0.9, () => `https://img.example.com/${person.index}.png`),
    PLAN: blank(0.3, () => rng.pick(PLAN_CHOICES)),
    REGION: blank(0.5, () => rng.pick(REGION_CHOICES)),
    ZIPCODE: blank(0.5, () => zip),
  };
}

export interface ListShape {
  index: number;
  withInterests: boolean;
  gdpr: boolean;
}

export function makeListSkeleton(rng: Prng, shape: ListShape): Omit<MailchimpListSeed, 'members'> {
  const tags: MailchimpTagSeed[] = ['VIP', 'Customer', 'Newsletter 2023', 'Webinar attendee', 'Läuft 🏃'].map(
    (name, i) => ({ id: 10000 + shape.index * 100 + i, name }),
  );
  const interestCategories: MailchimpInterestCategorySeed[] = shape.withInterests
    ? [
        { title: 'Topics', names: ['Product news', 'Events', 'Offers'] },
        { title: 'Frequency', names: ['Weekly', 'Monthly'] },
      ].map((c, ci) => ({
        id: rng.hex(10),
        title: c.title,
        type: 'checkboxes' as const,
        display_order: ci,
        interests: c.names.map((name, ii) => ({ id: rng.hex(10), name, display_order: ii + 1 })),
      }))
    : [];
  return {
    id: rng.hex(10),
    web_id: rng.int(100000, 999999),
    name: shape.index === 0 ? 'Main audience' : `Audience ${shape.index + 1}${shape.gdpr ? ' (EU)' : ''}`,
    date_created: mailchimpTime(Date.UTC(2018, 6, 1 + shape.index)),
    double_optin: shape.gdpr,
    marketing_permissions: shape.gdpr,
    mergeFields: standardMergeFields(),
    interestCategories,
    tags,
  };
}

const GDPR_PERMISSIONS = [
  { marketing_permission_id: 'e7c3d1a9b2', text: 'Email' },
  { marketing_permission_id: 'f1a2b3c4d5', text: 'Customized Online Advertising' },
];

const GDPR_CHOICES = [
  [true, true],
  [true, false],
  [false, false],
].map(([email, ads]) => [
  { ...GDPR_PERMISSIONS[0]!, enabled: email! },
  { ...GDPR_PERMISSIONS[1]!, enabled: ads! },
]);

const LOCATIONS: MailchimpLocation[] = TIMEZONES.flatMap(([timezone, gmtoff]) =>
  ['', timezone].map((tz) => ({
    latitude: 0,
    longitude: 0,
    gmtoff,
    dstoff: gmtoff,
    country_code: '',
    timezone: tz,
    region: '',
  })),
);

export function makeMember(
  rng: Prng,
  list: Omit<MailchimpListSeed, 'members'>,
  person: Person,
  status: MailchimpStatus = rng.weighted(STATUS_MIX),
): MailchimpMemberSeed {
  const signup = timeBetween(rng, SIGNUP_FROM, DATA_NOW - 86400_000);
  const opted = status === 'pending' || status === 'transactional' ? 0 : signup + rng.int(0, 3600) * 1000;
  const changed = rng.chance(0.15)
    ? rng.pick(BULK_IMPORT_TIMES)
    : timeBetween(rng, Math.max(signup, opted), DATA_NOW);
  const hasSignup = rng.chance(0.7);
  const member: MailchimpMemberSeed = {
    // Mailchimp validates and trims addresses, so no padding here; case survives (it is kept as typed).
    email_address: messyEmail(rng, person.email, { mixed: 0.06, padded: 0, invalid: 0.003 }),
    status,
    merge_fields: mergeValues(rng, person),
    tags: rng.sample(list.tags, TAG_COUNTS[rng.weighted(TAG_COUNT_MIX)]),
    unique_email_id: rng.hex(10),
    contact_id: rng.hex(32),
    web_id: rng.int(1_000_000, 999_999_999),
    email_type: rng.chance(0.95) ? 'html' : 'text',
    ip_signup: hasSignup ? fakeIp(rng) : '',
    timestamp_signup: hasSignup ? mailchimpTime(signup) : '',
    ip_opt: opted ? fakeIp(rng) : '',
    timestamp_opt: opted ? mailchimpTime(opted) : '',
    last_changed: mailchimpTime(changed),
    language: rng.chance(0.6) ? '' : rng.pick(LANGUAGES),
    vip: rng.chance(0.02),
    member_rating: rng.int(1, 5),
    email_client: rng.chance(0.5) ? '' : rng.pick(EMAIL_CLIENTS),
    source: rng.pick(MC_SOURCES),
    // Shared, read-only objects keep 100,000 members within a reasonable heap.
    location: rng.pick(LOCATIONS),
  };
  if (status === 'unsubscribed') member.unsubscribe_reason = rng.pick(UNSUBSCRIBE_REASONS);
  if (list.interestCategories.length > 0) {
    member.interests = Object.fromEntries(
      list.interestCategories.flatMap((c) => c.interests.map((i) => [i.id, rng.chance(0.3)])),
    );
  }
  if (list.marketing_permissions) {
    member.marketing_permissions = rng.pick(GDPR_CHOICES);
  }
  return member;
}
