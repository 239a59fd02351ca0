import { maskEmail } from '../lib/logger.ts';

/** A Mailchimp member id is the MD5 of the lowercased email, so it identifies the person as well as the address. */
const MD5 = /\b[0-9a-f]{32}\b/gi;

/** A token with an @ that is not a well-formed address ("jane@@example.com", "jane@example"). */
const MALFORMED = /([^\s"'<>(),;:[\]@])?[^\s"'<>(),;:[\]]*@[^\s"'<>(),;:[\]]*/gu;
/** The value in a reason such as: invalid email address "not-an-email". */
const INVALID_VALUE = /(invalid email address )"([^"]?)[^"]*"/gu;

/**
 * Emails masked (malformed ones too) and MD5-like ids shortened to their first 6 characters, anywhere in a
 * text: the dashboard shows no address in full, whatever shape the source gave it.
 */
export function maskText(text: string): string {
  return maskEmail(text)
    .replace(MALFORMED, (token: string, first: string | undefined) =>
      token.includes('***') ? token : `${first ?? ''}***@***`,
    )
    .replace(INVALID_VALUE, '$1"$2***"')
    .replace(MD5, (md5) => `${md5.slice(0, 6)}…`);
}

/** One address column: a valid address as j***@e***.com, anything else as its first character and ***. */
export function maskAddress(value: string | null): string {
  if (!value) return '';
  const masked = maskText(value);
  return masked === value ? `${value.slice(0, 1)}***` : masked;
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
