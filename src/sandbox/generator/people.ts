import type { Prng } from './prng.ts';
import { DOMAINS, FIRST_NAMES, LAST_NAMES, ODD_NAMES } from './vocab.ts';

/** A person who may appear in several sources, each time with a possibly messier copy of their email. */
export interface Person {
  index: number;
  firstName: string;
  lastName: string;
  /** Canonical form: lowercase, trimmed. */
  email: string;
}

const asciiFold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

export function makePerson(rng: Prng, index: number): Person {
  const odd = rng.chance(0.03);
  const firstName = odd ? rng.pick(ODD_NAMES) : rng.pick(FIRST_NAMES);
  const lastName = odd && rng.chance(0.5) ? '' : rng.pick(LAST_NAMES);
  const first = asciiFold(firstName) || 'user';
  const last = asciiFold(lastName) || 'x';
  const local = rng.pick([`${first}.${last}${index}`, `${first[0]}${last}${index}`, `${first}+news${index}`]);
  return { index, firstName, lastName, email: `${local}@${rng.pick(DOMAINS)}` };
}

/** Case variants of a valid address: the duplicates-by-case that break naive key matching. */
export function mixCase(rng: Prng, email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const style = rng.int(0, 2);
  if (style === 0) return `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain}`;
  if (style === 1) return `${local}@${domain.toUpperCase()}`;
  return email.toUpperCase();
}

const INVALID_SHAPES = [
  (e: string) => e.replace('@', ''),
  (e: string) => e.replace(/\.[a-z]+$/i, ''),
  (e: string) => e.replace('@', '..@'),
  (e: string) => e.replace('@', '@@'),
  (e: string) => `${e.split('@')[0] ?? 'x'}@`,
];

/** How a person's email shows up in one source: mostly clean, sometimes mixed-case, padded or invalid. */
export function messyEmail(
  rng: Prng,
  email: string,
  rates = { mixed: 0.06, padded: 0.01, invalid: 0.005 },
): string {
  const r = rng.next();
  if (r < rates.invalid) return rng.pick(INVALID_SHAPES)(email);
  if (r < rates.invalid + rates.padded) return rng.chance(0.5) ? ` ${email}` : `${email}  `;
  if (r < rates.invalid + rates.padded + rates.mixed) return mixCase(rng, email);
  return email;
}

/** Names as stored: sometimes empty, sometimes missing (undefined). */
export function messyName(rng: Prng, name: string): string | undefined {
  const r = rng.next();
  if (r < 0.03) return undefined;
  if (r < 0.06) return '';
  if (r < 0.07) return `  ${name} `;
  return name;
}

/** ISO timestamps between two instants (ms), at second precision. */
export function timeBetween(rng: Prng, fromMs: number, toMs: number): number {
  return Math.floor((fromMs + rng.next() * (toMs - fromMs)) / 1000) * 1000;
}

const p2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * "2024-03-01T10:00:00" for a UTC instant. Hand-rolled (civil-from-days) because Date#toISOString dominated
 * the generator's profile at 100,000 records.
 */
export function isoSeconds(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const hh = Math.floor(rem / 3600);
  const mm = Math.floor((rem % 3600) / 60);
  // join() gives a flat string; a template literal would keep a rope of small pieces alive per timestamp.
  return [y, '-', p2(m), '-', p2(d), 'T', p2(hh), ':', p2(mm), ':', p2(rem % 60)].join('');
}

/** "2024-03-01T10:00:00+00:00" as Mailchimp writes it. */
export const mailchimpTime = (ms: number): string => [isoSeconds(ms), '+00:00'].join('');

/** "2024-03-01T10:00:00.000Z" as Constant Contact writes it (the generator only makes whole seconds). */
export const ccTime = (ms: number): string => [isoSeconds(ms), '.000Z'].join('');

export const fakeIp = (rng: Prng): string =>
  `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
