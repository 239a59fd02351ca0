/**
 * Turning messy source values into HubSpot property values (always strings on the wire).
 * Every function here is total: it returns a value or undefined ("nothing to write"), never throws.
 */

/** HubSpot's limit for a string property value. */
export const HUBSPOT_MAX_VALUE_LENGTH = 65_536;

// C0/C1 controls except tab and newline, which HubSpot's multi-line text keeps.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Makes any string safe to send: unpaired surrogates replaced, control characters stripped, trimmed and cut to
 * `maxLength` characters without splitting a surrogate pair.
 */
export function cleanText(raw: string, maxLength = HUBSPOT_MAX_VALUE_LENGTH): string {
  let text = raw.toWellFormed().replace(CONTROL_CHARACTERS, '').trim();
  if (text.length > maxLength) {
    text = text.slice(0, maxLength);
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
  }
  return text;
}

/**
 * A string property value from a string or a number; undefined for "", whitespace, null, objects and the
 * like, so that an empty source value never clears what HubSpot already holds.
 */
export function textValue(raw: unknown, maxLength = HUBSPOT_MAX_VALUE_LENGTH): string | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = cleanText(raw, maxLength);
  return text === '' ? undefined : text;
}

/** A number property value: a finite JSON number, or a string that is one plain decimal number. */
export function numberValue(raw: unknown): string | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? String(n) : undefined;
}

/** True for a calendar date that exists (no 31 April, no 29 February outside leap years). */
export function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A HubSpot date property value (YYYY-MM-DD, which HubSpot reads as UTC midnight) from "YYYY-MM-DD" or from
 * "MM/DD/YYYY" / "DD/MM/YYYY" as the source's date format says (month first unless the format starts with DD).
 */
export function dateValue(raw: unknown, sourceFormat = 'MM/DD/YYYY'): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  let year: number, month: number, day: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const slashed = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (slashed) {
    const [a, b] = [Number(slashed[1]), Number(slashed[2])];
    const dayFirst = /^\s*D/i.test(sourceFormat);
    [year, month, day] = [Number(slashed[3]), dayFirst ? b : a, dayFirst ? a : b];
  } else {
    return undefined;
  }
  return isRealDate(year, month, day) ? `${year}-${pad2(month)}-${pad2(day)}` : undefined;
}

/**
 * A birthday without a year as "MM-DD" from "MM/DD" (or "DD/MM" when the source's format starts with DD).
 * Feb 29 is allowed.
 */
export function monthDayValue(raw: unknown, sourceFormat = 'MM/DD'): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d{1,2})[/.-](\d{1,2})$/.exec(raw.trim());
  if (!match) return undefined;
  const [a, b] = [Number(match[1]), Number(match[2])];
  const dayFirst = /^\s*D/i.test(sourceFormat);
  const [month, day] = dayFirst ? [b, a] : [a, b];
  // 2000 is a leap year, so 02-29 is a real birthday.
  return isRealDate(2000, month, day) ? `${pad2(month)}-${pad2(day)}` : undefined;
}

/** Parses an ISO 8601 timestamp; null for "", garbage and impossible dates. */
export function parseTimestamp(raw: unknown): Date | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  // Require at least a full date so that "1" or "2024" are not read as timestamps.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A HubSpot datetime property value. We send ISO 8601 in UTC with milliseconds (HubSpot accepts ISO strings
 * and epoch milliseconds alike; ISO stays readable in job data and reports).
 */
export function dateTimeValue(raw: unknown): string | undefined {
  return parseTimestamp(raw)?.toISOString();
}

/** "2024-03-01" (UTC) for a timestamp: the day in consent explanations. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A short, printable rendering of any value for a user-facing reason (never the whole of a huge value). */
export function describeValue(raw: unknown, maxLength = 120): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(raw) ?? (typeof raw === 'symbol' ? raw.toString() : typeof raw);
    } catch {
      text = Object.prototype.toString.call(raw);
    }
  }
  const cleaned = cleanText(text, maxLength);
  return text.length > maxLength ? `${cleaned}…` : cleaned;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
