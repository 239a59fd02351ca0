import { maskEmail } from '../lib/logger.ts';

/** Masks every email address in any JSON-like value (job data, return values) before the board shows it. */
export function maskEmailsDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskEmail(value);
  if (Array.isArray(value)) return value.map(maskEmailsDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEmailsDeep(v)]));
  }
  return value;
}
