/** The value types of the environment: how a variable's text becomes a URL, a number, a flag or a key. */
import { z } from 'zod';
import { decodeEncryptionKey } from '../lib/crypto.ts';

/** Empty strings count as "not set", as in most .env files. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
export const optionalUrl = optionalString.pipe(
  z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://example.com' }).optional(),
);
export const url = (fallback: string) => optionalUrl.transform((v) => v ?? fallback);
export const positiveInt = (fallback: number) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (Number.isInteger(n) && n > 0) return n;
    ctx.addIssue({ code: 'custom', message: 'must be a positive whole number' });
    return z.NEVER;
  });
export const bool = (fallback: boolean) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });

export const encryptionKey = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const key = decodeEncryptionKey(v);
  if (key) return key;
  ctx.addIssue({ code: 'custom', message: 'must be 32 bytes in base64; make one with `esp-sync keygen`' });
  return z.NEVER;
});
