import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { mailchimpBaseUrlFromKey, parseConfig, requireHubSpot } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors/index.ts';

const secret = 'test-hubspot-token-not-real';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.queuePrefix).toBe('esp-sync');
    expect(config.logLevel).toBe('info');
    expect(config.hubspot).toBeUndefined();
    expect(config.mailchimp).toBeUndefined();
    expect(config.constantContact).toBeUndefined();
    expect(config.policy).toEqual({
      subscribedLegalBasis: 'CONSENT_WITH_NOTICE',
      implicitLegalBasis: 'LEGITIMATE_INTEREST_OTHER',
    });
  });

  it('configures HubSpot with its defaults when the token is set', () => {
    const config = parseConfig({ HUBSPOT_ACCESS_TOKEN: secret });
    expect(config.hubspot).toEqual({
      accessToken: secret,
      baseUrl: 'https://api.hubapi.com',
      subscriptionId: undefined,
      subscriptionName: 'Marketing Information',
      rateLimitPer10s: 190,
      propertyGroup: 'esp_sync',
    });
  });

  it('treats an empty HUBSPOT_ACCESS_TOKEN as not set, and a command needing it names the variable', () => {
    const config = parseConfig({ HUBSPOT_ACCESS_TOKEN: '' });
    const err = errorOf(() => requireHubSpot(config));
    expect(err.message).toMatch(/^HUBSPOT_ACCESS_TOKEN is not set/);
    expect(err.message).not.toContain('\n');
  });

  it('derives the Mailchimp base URL from the key datacenter', () => {
    expect(mailchimpBaseUrlFromKey('abc123-us6')).toBe('https://us6.api.mailchimp.com/3.0');
    const config = parseConfig({ MAILCHIMP_API_KEY: '0123456789abcdef-us19' });
    expect(config.mailchimp?.baseUrl).toBe('https://us19.api.mailchimp.com/3.0');
    const overridden = parseConfig({
      MAILCHIMP_API_KEY: 'k-us1',
      MAILCHIMP_BASE_URL: 'http://127.0.0.1:4010/3.0/',
    });
    expect(overridden.mailchimp?.baseUrl).toBe('http://127.0.0.1:4010/3.0');
  });

  it.each([
    [{ HUBSPOT_RATE_LIMIT: 'fast' }, 'HUBSPOT_RATE_LIMIT'],
    [{ HUBSPOT_RATE_LIMIT: '-3' }, 'HUBSPOT_RATE_LIMIT'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
    [{ HUBSPOT_BASE_URL: 'not a url' }, 'HUBSPOT_BASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ HUBSPOT_SUBSCRIPTION_ID: 'abc' }, 'HUBSPOT_SUBSCRIPTION_ID'],
    [{ SUBSCRIBED_LEGAL_BASIS: 'BECAUSE' }, 'SUBSCRIBED_LEGAL_BASIS'],
    [{ DASHBOARD_READ_ONLY: 'maybe' }, 'DASHBOARD_READ_ONLY'],
    [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX'],
  ])('rejects %j with one line naming %s', (env, variable) => {
    const err = errorOf(() => parseConfig(env));
    expect(err.message.startsWith(`${variable} is invalid`)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('never prints a secret value in a validation error', () => {
    const key = 'supersecretvalue-not-a-datacenter!';
    const err = errorOf(() => parseConfig({ MAILCHIMP_API_KEY: key }));
    expect(err.message).toMatch(/^MAILCHIMP_API_KEY is invalid/);
    expect(err.message).not.toContain(key);
  });

  it('requires the Constant Contact client id and secret together', () => {
    const err = errorOf(() => parseConfig({ CONSTANT_CONTACT_CLIENT_ID: 'id' }));
    expect(err.message).toMatch(/^CONSTANT_CONTACT_CLIENT_SECRET is not set/);
    const config = parseConfig({ CONSTANT_CONTACT_CLIENT_ID: 'id', CONSTANT_CONTACT_CLIENT_SECRET: 's' });
    expect(config.constantContact?.baseUrl).toBe('https://api.cc.email/v3');
    expect(config.constantContact?.requestsPerSecond).toBe(4);
  });

  it('accepts rediss:// URLs with a password', () => {
    expect(parseConfig({ REDIS_URL: 'rediss://:pw@redis.example.com:6380' }).redisUrl).toBe(
      'rediss://:pw@redis.example.com:6380',
    );
  });
});

describe('.env.example', () => {
  const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const env = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('is a valid configuration as it stands', () => {
    expect(() => parseConfig(env)).not.toThrow();
  });

  it('documents every fixed variable, each with a comment above it', () => {
    for (const name of [
      'REDIS_URL',
      'QUEUE_PREFIX',
      'HUBSPOT_ACCESS_TOKEN',
      'HUBSPOT_BASE_URL',
      'HUBSPOT_SUBSCRIPTION_ID',
      'HUBSPOT_SUBSCRIPTION_NAME',
      'MAILCHIMP_API_KEY',
      'MAILCHIMP_BASE_URL',
      'CONSTANT_CONTACT_CLIENT_ID',
      'CONSTANT_CONTACT_CLIENT_SECRET',
      'CONSTANT_CONTACT_REFRESH_TOKEN',
      'CONSTANT_CONTACT_BASE_URL',
      'CONSTANT_CONTACT_TOKEN_URL',
      'LOG_LEVEL',
    ]) {
      expect(env).toHaveProperty(name);
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      const above = lines.slice(Math.max(0, at - 3), at);
      expect(above.some((l) => l.startsWith('#'))).toBe(true);
    }
  });
});
