import { describe, expect, it } from '@jest/globals';
import { accessTokenTtlMs, jwtExpiryMs } from '../../src/connectors/constant-contact/auth.ts';
import { parseApiError, resolveNextHref } from '../../src/connectors/constant-contact/client.ts';
import { deviceAuthorizeUrl } from '../../src/connectors/constant-contact/device-flow.ts';
import { ccRateLimiterKey } from '../../src/connectors/constant-contact/limits.ts';
import { ConfigError } from '../../src/errors/index.ts';

function jwt(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

describe('ccRateLimiterKey', () => {
  it('is per application and does not contain the client id', () => {
    const key = ccRateLimiterKey('esp-sync', 'my-client-id');
    expect(key).toMatch(/^esp-sync:limits:cc:[0-9a-f]{16}$/);
    expect(key).not.toContain('my-client-id');
    expect(ccRateLimiterKey('esp-sync', 'other')).not.toBe(key);
    expect(ccRateLimiterKey('esp-sync', 'my-client-id')).toBe(key);
  });
});

describe('access token lifetime', () => {
  const now = Date.UTC(2026, 10, 28, 12);

  it('reads exp from a JWT', () => {
    expect(jwtExpiryMs(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(jwtExpiryMs('opaque-token')).toBeNull();
    expect(jwtExpiryMs('a.!!!.c')).toBeNull();
  });

  it('refreshes 5 minutes before expires_in', () => {
    expect(accessTokenTtlMs('opaque', 86_400, now)).toBe(86_400_000 - 300_000);
  });

  it('takes the shorter of expires_in and the JWT exp', () => {
    const token = jwt({ exp: (now + 3_600_000) / 1000 });
    expect(accessTokenTtlMs(token, 86_400, now)).toBe(3_600_000 - 300_000);
  });

  it('short-lived tokens keep half their life, and there is a floor', () => {
    expect(accessTokenTtlMs('opaque', 60, now)).toBe(30_000);
    expect(accessTokenTtlMs('opaque', 0.5, now)).toBe(1000);
  });

  it('defaults to 24 hours when nothing says otherwise', () => {
    expect(accessTokenTtlMs('opaque', undefined, now)).toBe(86_400_000 - 300_000);
  });
});

describe('resolveNextHref', () => {
  it('resolves a host-relative href against the origin of the base URL', () => {
    expect(resolveNextHref('/v3/contacts?cursor=abc', 'https://api.cc.email/v3')).toBe(
      'https://api.cc.email/v3/contacts?cursor=abc',
    );
    expect(resolveNextHref('/cc/v3/contacts?cursor=a', 'http://127.0.0.1:4010/cc/v3')).toBe(
      'http://127.0.0.1:4010/cc/v3/contacts?cursor=a',
    );
  });

  it('refuses another host', () => {
    expect(() => resolveNextHref('https://evil.test/v3/contacts', 'https://api.cc.email/v3')).toThrow(
      ConfigError,
    );
  });
});

describe('parseApiError', () => {
  it('reads both the array and the object shape', () => {
    expect(parseApiError('[{"error_key":"a","error_message":"b"}]')).toEqual({ key: 'a', message: 'b' });
    expect(parseApiError('{"error_key":"throttled","error_message":"Too Many Requests"}')).toEqual({
      key: 'throttled',
      message: 'Too Many Requests',
    });
    expect(parseApiError('<html>')).toEqual({ key: null, message: null });
    expect(parseApiError('[]')).toEqual({ key: null, message: null });
  });
});

describe('deviceAuthorizeUrl', () => {
  it('replaces the trailing /token', () => {
    expect(deviceAuthorizeUrl('https://authz.constantcontact.com/oauth2/default/v1/token')).toBe(
      'https://authz.constantcontact.com/oauth2/default/v1/device/authorize',
    );
  });
  it('refuses a token URL it cannot derive from', () => {
    expect(() => deviceAuthorizeUrl('https://authz.example.com/oauth2/default/v1/tokens')).toThrow(
      ConfigError,
    );
  });
});
