/** Word lists for the generator. Unicode and emoji on purpose: real audiences carry them. */

export const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Emma',
  'François',
  'Grace',
  'Hiro',
  'Isabel',
  'Jürgen',
  'Karin',
  'Liam',
  'María',
  'Noah',
  'Olivia',
  'Paweł',
  'Quinn',
  'Rosa',
  'Søren',
  'Tomás',
  'Uma',
  'Vera',
  'Wei',
  'Xavier',
  'Yasmin',
  'Zoë',
  'Łukasz',
  'Ömer',
  'Siobhán',
  'Nguyễn',
  'José',
  'Ahmed',
  'Priya',
  'Kenji',
  'Lucía',
  'Mohammed',
  'Sofia',
  'Jack',
  'Mia',
  'Oscar',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Müller',
  "O'Brien",
  'García',
  'Nowak',
  'Rossi',
  'Dubois',
  'Johansson',
  'Kowalski',
  'Tanaka',
  'Silva',
  'Nguyen',
  'Brown',
  'Schröder',
  'Fernández',
  'Papadopoulos',
  'Ivanova',
  'Kim',
  'Patel',
  'Jensen',
  'van der Berg',
  'Lefèvre',
  'Żółć',
  'Ōtsuka',
  'MacDonald',
  'Wójcik',
  'Andersson',
  'Costa',
  'Haddad',
  'Lee',
] as const;

/** Names people actually type into forms. */
export const ODD_NAMES = [
  '李',
  '王小明',
  'Ørjan 🚀',
  '🌸 Flower',
  'Ελένη',
  'Дмитрий',
  'محمد',
  '   ',
  'N/A',
  '👩‍💻',
];

export const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'corp.example'] as const;

export const CITIES: readonly [string, string, string, string][] = [
  ['Atlanta', 'GA', '30303', 'US'],
  ['Portland', 'OR', '97201', 'US'],
  ['Toronto', 'ON', 'M5H 2N2', 'CA'],
  ['München', 'BY', '80331', 'DE'],
  ['Kraków', 'MA', '30-001', 'PL'],
  ['São Paulo', 'SP', '01000-000', 'BR'],
  ['London', '', 'SW1A 1AA', 'GB'],
  ['Lyon', '', '69001', 'FR'],
];

export const COMPANIES = ['Acme Corp.', 'Globex', 'Initech', 'Umbrella GmbH', 'Ünïcødé Ltd', 'Soylent', ''];
export const JOB_TITLES = ['Engineer', 'Marketing Manager', 'CEO', 'Teacher', 'Nurse', 'Designer 🎨', ''];
export const LANGUAGES = ['en', 'fr', 'de', 'es', 'pl', 'pt', 'ja'];
export const EMAIL_CLIENTS = ['Gmail', 'Apple Mail', 'Outlook', 'Yahoo Mail'];
export const TIMEZONES: readonly [string, number][] = [
  ['America/New_York', -5],
  ['America/Los_Angeles', -8],
  ['Europe/Berlin', 1],
  ['Europe/London', 0],
  ['Asia/Tokyo', 9],
];
export const UNSUBSCRIBE_REASONS = [
  'N/A (Unsubscribed by admin)',
  'I no longer want to receive these emails',
  'The emails are inappropriate',
  'The emails are spam and should be reported',
  'Other',
  '',
];
export const MC_SOURCES = ['API - Generic', 'Admin Add', 'Import', 'Hosted Signup Form', 'Unknown'];
