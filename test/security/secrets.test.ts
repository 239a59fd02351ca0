/**
 * Whole sandbox migrations of both sources, with every log line captured, then a search of the logs, every
 * Redis key and value under the prefix, and the run report for the credentials. The runs go through the
 * paths where secrets usually leak: retries after 5xx, 429 waits, and expired Constant Contact access
 * tokens refreshed with rotating refresh tokens.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CC_TOKEN_PURPOSE, ccTokenKeys } from '../../src/connectors/constant-contact/token-store.ts';
import { startLocalStack, type LocalStack } from '../../src/demo/local-stack.ts';
import { open, type EncryptionKeys } from '../../src/lib/crypto.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { reportLines } from '../../src/run/report.ts';
import type { RunSnapshot } from '../../src/run/follow.ts';
import { deletePrefix, newRedis } from '../helpers/redis.ts';
import { dumpPrefix } from './redis-dump.ts';

const redis = newRedis();
const prefixes: string[] = [];

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

function captureLogger(level: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

/** Credentials of our own, long and random, so a match can only be a leak (never a coincidence). */
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const CREDENTIALS = {
  hubspot: { accessTokens: [`pat-na1-${randomUUID()}`] },
  mailchimp: { apiKey: `${hex(16)}-us7` },
  constantContact: { clientSecret: `cs-${hex(20)}`, refreshToken: `rt-${hex(20)}` },
};

const dataset = { mailchimp: { audiences: 2, membersPerAudience: 150 }, constantContact: { contacts: 300 } };

interface Migration {
  stack: LocalStack;
  result: RunSnapshot;
  /** Every Constant Contact token seen during the run (refresh tokens rotate, access tokens expire). */
  ccTokens: Set<string>;
}

/** One `all` migration with faults on every API and Constant Contact access tokens that die every second. */
async function migrate(logger: Logger): Promise<Migration> {
  const prefix = `test-secrets-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const stack = await startLocalStack({
    queuePrefix: prefix,
    logger,
    sandbox: {
      seed: 11,
      dataset,
      hubspot: CREDENTIALS.hubspot,
      mailchimp: CREDENTIALS.mailchimp,
      constantContact: {
        ...CREDENTIALS.constantContact,
        accessTokenTtlSeconds: 1,
        refreshTokenMode: 'rotating',
      },
      faults: {
        hubspot: { errorRate: 0.1, rateLimitBurst: 2 },
        mailchimp: { errorRate: 0.1 },
        constantContact: { errorRate: 0.1, latencyMs: 100 },
      },
    },
  });
  const keys = ccTokenKeys(prefix);
  const encryption = stack.config.constantContact!.encryption!;
  const ccTokens = new Set<string>([stack.sandbox.env.CONSTANT_CONTACT_REFRESH_TOKEN!]);
  let running = true;
  const watch = (async () => {
    for (let tick = 0; running; tick++) {
      for (const t of stack.sandbox.constantContact.liveRefreshTokens()) ccTokens.add(t);
      const access = await redis.get(keys.accessToken);
      if (access) ccTokens.add(opened(encryption, access, CC_TOKEN_PURPOSE.accessToken));
      // Expire tokens every 600 ms: several refreshes, yet a freshly refreshed token lives long enough
      // for the request it was fetched for (the client refreshes on a 401).
      if (tick % 4 === 3) stack.sandbox.constantContact.expireAccessTokens();
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  try {
    const result = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
    return { stack, result, ccTokens };
  } finally {
    running = false;
    await watch;
  }
}

/** A token as the worker stored it, decrypted with the stack's own key. */
function opened(encryption: EncryptionKeys, stored: string, purpose: string): string {
  return open(encryption, stored, purpose, 'A Constant Contact token').plaintext;
}

async function report(stack: LocalStack, runId: string): Promise<string> {
  const lines: string[] = [];
  for (const format of ['csv', 'json'] as const) {
    for await (const line of reportLines(stack.app.store, runId, format)) lines.push(line);
  }
  return lines.join('\n');
}

/** The places a secret was found, as "secret name in place". */
function leaks(secrets: Map<string, string>, places: { name: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const [secretName, value] of secrets) {
    for (const place of places) if (place.text.includes(value)) found.push(`${secretName} in ${place.name}`);
  }
  return found;
}

describe('secrets stay out of logs, Redis and reports', () => {
  it('a debug-level migration with retries and token refreshes leaks no credential', async () => {
    const { logger, lines } = captureLogger('debug');
    const { stack, result, ccTokens } = await migrate(logger);
    try {
      expect([result.run.status, result.run.error]).toEqual(['completed_with_errors', null]);
      const env = stack.sandbox.env;
      expect(env.MAILCHIMP_API_KEY).toBe(CREDENTIALS.mailchimp.apiKey);
      const prefix = stack.config.queuePrefix;
      const keys = ccTokenKeys(prefix);
      const storedRefresh = await redis.get(keys.refreshToken);
      expect(storedRefresh).toMatch(/^esp1:/);
      const encryption = stack.config.constantContact!.encryption!;
      const finalRefresh = opened(encryption, storedRefresh!, CC_TOKEN_PURPOSE.refreshToken);
      // The run really refreshed and rotated: several refresh tokens and access tokens went by.
      expect(ccTokens.size).toBeGreaterThanOrEqual(3);
      expect(finalRefresh).not.toBe(env.CONSTANT_CONTACT_REFRESH_TOKEN);
      expect(stack.sandbox.constantContact.liveRefreshTokens()).toContain(finalRefresh);

      const secrets = new Map<string, string>([
        ['HubSpot token', env.HUBSPOT_ACCESS_TOKEN!],
        ['Mailchimp API key', env.MAILCHIMP_API_KEY!],
        ['Mailchimp API key without its datacenter', env.MAILCHIMP_API_KEY!.split('-')[0]!],
        ['Constant Contact client secret', env.CONSTANT_CONTACT_CLIENT_SECRET!],
        ...[...ccTokens].flatMap((t, i) => [
          [`Constant Contact token #${i + 1}`, t] as [string, string],
          [`Constant Contact token #${i + 1} in base64`, Buffer.from(t).toString('base64')] as [
            string,
            string,
          ],
          [`Constant Contact token #${i + 1} in hex`, Buffer.from(t).toString('hex')] as [string, string],
        ]),
        ['the encryption key', stack.sandbox.env.ESP_SYNC_ENCRYPTION_KEY!],
      ]);
      for (const value of secrets.values()) expect(value.length).toBeGreaterThanOrEqual(10);

      const dump = await dumpPrefix(redis, prefix);
      // The refresh token lives in Redis (it rotates), and the cached access token next to it: both encrypted,
      // so no key of the prefix, theirs included, holds a token in clear (or in base64 or hex).
      expect(dump.map((k) => k.key)).toContain(keys.refreshToken);
      expect(dump.length).toBeGreaterThan(20);
      expect(dump.some((k) => k.key.includes(':hubspot:'))).toBe(true);

      expect(lines.length).toBeGreaterThan(5);
      expect(lines.some((l) => l.includes('"level":20'))).toBe(true);
      const places = [
        ...lines.map((text, i) => ({ name: `log line ${i + 1}`, text })),
        ...dump.map((k) => ({ name: `Redis key ${k.key}`, text: k.text })),
        { name: 'the report', text: await report(stack, result.run.id) },
        { name: 'the run', text: JSON.stringify(result) },
      ];
      expect(leaks(secrets, places)).toEqual([]);
      const authHeaders = lines.filter((l) => /\b(Bearer|Basic) [A-Za-z0-9+/=._-]{8,}/.test(l));
      expect(authHeaders).toEqual([]);
    } finally {
      await stack.close();
    }
  }, 120_000);

  it('at info level no email address from the dataset reaches a log line', async () => {
    const { logger, lines } = captureLogger('info');
    const { stack, result } = await migrate(logger);
    try {
      expect(result.counts.read).toBe(600);
      const data = stack.sandbox.dataset;
      const emails = new Set(
        [
          ...data.mailchimp.lists.flatMap((l) => l.members.map((m) => m.email_address)),
          ...data.constantContact.contacts.flatMap((c) => c.email_address?.address ?? []),
          ...data.hubspot.contacts.map((c) => c.email),
        ]
          .map((e) => e.trim().toLowerCase())
          .filter((e) => e.includes('@')),
      );
      expect(emails.size).toBeGreaterThan(400);
      // The logger these runs used masks what it is given, including errors and nested objects.
      const sample = [...emails][0]!;
      logger.warn(
        { record: { email: sample }, err: new Error(`rejected ${sample}`) },
        `could not write ${sample}`,
      );
      expect(lines.at(-1)).toContain('***@');

      const text = lines.join('\n').toLowerCase();
      const found = [...emails].filter((e) => text.includes(e));
      expect(found).toEqual([]);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
