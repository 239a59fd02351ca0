import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import type { Config } from '../config/env.ts';
import { ConfigError } from '../errors/index.ts';
import { LoginThrottle } from './login-throttle.ts';

/** Basic auth has no second factor and no lockout of its own: a short password falls to guessing. */
export const MIN_PASSWORD_LENGTH = 12;

export interface BasicCredentials {
  user: string;
  password: string;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The name part of a Host header ("[::1]:3000" → "::1", "localhost:3000" → "localhost"), or null if malformed. */
export function hostHeaderName(header: string | undefined): string | null {
  const value = (header ?? '').trim();
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const plain = /^([A-Za-z0-9.-]+)(?::\d+)?$/.exec(value);
  return plain ? plain[1]! : null;
}

/**
 * Without a login, a page on another site can still reach a loopback dashboard by DNS rebinding: its own name
 * resolves to 127.0.0.1, and the browser sends that name as Host. Only loopback names are answered.
 */
export function loopbackHostOnly(): RequestHandler {
  return (req, res, next) => {
    const name = hostHeaderName(req.headers.host);
    if (name !== null && isLoopbackHost(name)) {
      next();
      return;
    }
    res
      .status(403)
      .type('text/plain')
      .send(
        'Refused: without a login (--no-auth) the dashboard only answers requests addressed to localhost, 127.0.0.1 or [::1] (Host header).\n',
      );
  };
}

/**
 * Decides how the dashboard authenticates: Basic credentials from DASHBOARD_USER / DASHBOARD_PASSWORD, or none
 * with --no-auth, which is only allowed on a loopback address (anyone who can reach the port could act).
 */
export function resolveAuth(
  dashboard: Config['dashboard'],
  options: { noAuth: boolean; host: string },
): BasicCredentials | null {
  if (options.noAuth) {
    if (!isLoopbackHost(options.host)) {
      throw new ConfigError(
        `--no-auth only listens on loopback (127.0.0.1, ::1 or localhost), not on ${options.host}: set DASHBOARD_USER and DASHBOARD_PASSWORD to listen elsewhere.`,
      );
    }
    return null;
  }
  if (!dashboard.user || !dashboard.password) {
    throw new ConfigError('set DASHBOARD_USER and DASHBOARD_PASSWORD, or pass --no-auth');
  }
  if (dashboard.password.length < MIN_PASSWORD_LENGTH) {
    throw new ConfigError(
      `DASHBOARD_PASSWORD is too short (${dashboard.password.length} characters): use at least ${MIN_PASSWORD_LENGTH}, e.g. the output of \`openssl rand -base64 18\`.`,
    );
  }
  return { user: dashboard.user, password: dashboard.password };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Equal-length digests make timingSafeEqual usable for any input; both parts are always compared. */
function credentialsMatch(given: BasicCredentials, expected: BasicCredentials): boolean {
  const userOk = timingSafeEqual(digest(given.user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(given.password), digest(expected.password));
  return userOk && passwordOk;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic authentication in front of every route it guards: 401 with a challenge otherwise. After too many
 * wrong credentials from one address, every login from it is answered 429 with Retry-After until the window ends.
 */
export function basicAuth(
  expected: BasicCredentials,
  realm = 'esp-sync dashboard',
  throttle = new LoginThrottle(),
): RequestHandler {
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.retryAfterSeconds(address);
    if (wait > 0) {
      res
        .status(429)
        .set('Retry-After', String(wait))
        .type('text/plain')
        .send(`Too many failed logins from this address: try again in ${wait} seconds.\n`);
      return;
    }
    const given = parseBasicAuth(req.headers.authorization);
    if (given && credentialsMatch(given, expected)) {
      next();
      return;
    }
    // A request without credentials is a browser asking for the login prompt, not a guess.
    if (req.headers.authorization) throttle.recordFailure(address);
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .type('text/plain')
      .send('Authentication required: sign in with DASHBOARD_USER and DASHBOARD_PASSWORD.\n');
  };
}
