/** Reading the loose parts of a Constant Contact contact: nested records, dates, birthdays, named ids. */
import { isRealDate, isRecord, pad2, textValue } from './values.ts';

export { isRecord };

/** YYYY-MM-DD from "YYYY-MM-DD[T…]", "YYYY/MM/DD" or "MM/DD/YYYY" (Constant Contact's date formats). */
export function dateOnly(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  const ymd = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|T)/.exec(text);
  const mdy = /^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$/.exec(text);
  const [year, month, day] = ymd
    ? [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])]
    : mdy
      ? [Number(mdy[3]), Number(mdy[1]), Number(mdy[2])]
      : [NaN, NaN, NaN];
  return isRealDate(year, month, day) ? `${year}-${pad2(month)}-${pad2(day)}` : undefined;
}

export function smallInt(raw: unknown): number | null {
  const n = typeof raw === 'string' && /^\s*\d{1,2}\s*$/.test(raw) ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/** "MM-DD"; 2000 is a leap year, so 02-29 is a real birthday. */
export function birthday(month: unknown, day: unknown): string | undefined {
  const m = smallInt(month);
  const d = smallInt(day);
  return m !== null && d !== null && isRealDate(2000, m, d) ? `${pad2(m)}-${pad2(d)}` : undefined;
}

export function firstRecord(raw: unknown): Record<string, unknown> | undefined {
  return Array.isArray(raw) ? raw.find(isRecord) : undefined;
}

/** Names for ids, in the contact's order, without duplicates; an id without a definition stays an id. */
export function namesFor(raw: unknown, names: Map<string, string>): string | undefined {
  if (!Array.isArray(raw)) return undefined;
  const seen = new Set<string>();
  for (const id of raw) {
    if (typeof id !== 'string') continue;
    const name = textValue(names.get(id) ?? id, 255);
    if (name) seen.add(name);
  }
  return textValue([...seen].join(';'));
}

// ---------- custom fields ----------
