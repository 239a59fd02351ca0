import { maskEmail } from '../lib/logger.ts';

/** A Mailchimp member id is the MD5 of the lowercased email, so it identifies the person as well as the address. */
const MD5 = /\b[0-9a-f]{32}\b/gi;

/** Emails masked and MD5-like ids shortened to their first 6 characters, anywhere in a text. */
export function maskText(text: string): string {
  return maskEmail(text).replace(MD5, (md5) => `${md5.slice(0, 6)}…`);
}

/** Masks every email address (and MD5-like id) in any JSON-like value before the board shows it. */
export function maskEmailsDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map(maskEmailsDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEmailsDeep(v)]));
  }
  return value;
}
