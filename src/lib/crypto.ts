import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors/index.ts';

/**
 * Secrets at rest (OAuth tokens in Redis) are sealed with AES-256-GCM under ESP_SYNC_ENCRYPTION_KEY, as
 * credential stores such as Nango's do with a key from the environment. GCM's tag makes a wrong key or a
 * tampered value fail loudly instead of decrypting to garbage. https://nodejs.org/api/crypto.html#class-cipher
 */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'esp1';

export interface EncryptionKeys {
  /** Seals everything written from now on. */
  current: Buffer;
  /** Still opens what was sealed before a rotation (ESP_SYNC_ENCRYPTION_KEY_PREVIOUS). */
  previous: Buffer | undefined;
}

export const KEYGEN_HINT =
  'make one with `esp-sync keygen` and set it as ESP_SYNC_ENCRYPTION_KEY for every worker and for `esp-sync auth`';

/** A new key: 32 random bytes in base64, what ESP_SYNC_ENCRYPTION_KEY holds. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The key in ESP_SYNC_ENCRYPTION_KEY's text (base64 of 32 bytes), or null when it is not one. */
export function decodeEncryptionKey(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : null;
}

/** A short public name of a key (not the key): says which key sealed a value, so a mismatch can be named. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('esp-sync key id').update(key).digest('hex').slice(0, 8);
}

/** The value cannot be opened with the configured keys: a person must set the right key (never retried). */
export class WrongKeyError extends ConfigError {}

/** Seals text under the current key; `purpose` (e.g. "cc:refresh-token") is bound in, so values cannot be swapped. */
export function seal(keys: EncryptionKeys, plaintext: string, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [FORMAT, keyId(keys.current), ...parts].join(':');
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${FORMAT}:`);
}

export interface Opened {
  plaintext: string;
  /** Sealed under the previous key (or not sealed at all): write it again under the current one. */
  stale: boolean;
}

function decrypt(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer, purpose: string): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * Opens a sealed value with the current or the previous key. A value stored before encryption was configured
 * is returned as it is, marked stale so the caller seals it. Throws WrongKeyError naming both key ids.
 */
export function open(keys: EncryptionKeys, value: string, purpose: string, what: string): Opened {
  if (!isSealed(value)) return { plaintext: value, stale: true };
  const [, storedId, iv, body, tag] = value.split(':');
  if (storedId && iv && body && tag && Buffer.from(tag, 'base64url').length === TAG_BYTES) {
    const candidates = [keys.current, ...(keys.previous ? [keys.previous] : [])];
    for (const key of candidates) {
      const plaintext = decrypt(
        key,
        Buffer.from(iv, 'base64url'),
        Buffer.from(body, 'base64url'),
        Buffer.from(tag, 'base64url'),
        purpose,
      );
      if (plaintext !== null) return { plaintext, stale: key !== keys.current };
    }
  }
  const configured = [keys.current, keys.previous].filter((k) => k !== undefined).map(keyId);
  throw new WrongKeyError(
    `${what} in Redis was encrypted with key ${storedId ?? '?'}, which ESP_SYNC_ENCRYPTION_KEY (key ${configured.join(
      ', previous key ',
    )}) cannot open: set the key it was stored with (during a rotation, as ESP_SYNC_ENCRYPTION_KEY_PREVIOUS), or store a new token with \`esp-sync auth constant-contact\`.`,
  );
}
