/**
 * What HubSpot checks before it looks at a request: the Bearer token, the app's scopes, the daily limit, the
 * rolling ten-second burst limit per token and the search limit per portal.
 */
import { randomUUID } from 'node:crypto';
import { json } from '../kit.ts';
import type { SandboxRequest, SandboxResponse } from '../kit.ts';
import { hsError } from './http.ts';
import type { ResolvedOptions } from './options.ts';
import type { PortalState } from './state.ts';
import { accountDay } from './usage.ts';

const TEN_SECONDS = 10_000;
const ONE_SECOND = 1_000;

/** Timestamps of admitted requests inside a rolling window, oldest first. */
class RollingWindow {
  private times: number[] = [];
  private head = 0;

  count(now: number, windowMs: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export type Admission =
  { ok: true; headers: Record<string, string> } | { ok: false; response: SandboxResponse };

export type LimitKind = 'crm' | 'search';

function rateLimitBody(policyName: string, message: string): Record<string, unknown> {
  return {
    status: 'error',
    message,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    requestId: randomUUID(),
  };
}

export class Guard {
  private readonly windows = new Map<string, RollingWindow>();
  private searchWindow = new RollingWindow();
  private day = '';
  private dailyCount = 0;
  private readonly options: () => ResolvedOptions;
  private readonly state: PortalState;
  private readonly now: () => number;

  constructor(options: () => ResolvedOptions, state: PortalState, now: () => number) {
    this.options = options;
    this.state = state;
    this.now = now;
  }

  reset(): void {
    this.windows.clear();
    this.searchWindow = new RollingWindow();
    this.day = '';
    this.dailyCount = 0;
  }

  /** The token of a valid `Authorization: Bearer …` header, or HubSpot's 401. */
  authenticate(req: SandboxRequest): { ok: true; token: string } | { ok: false; response: SandboxResponse } {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token && this.options().accessTokens.includes(token)) return { ok: true, token };
    return {
      ok: false,
      response: hsError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      ),
    };
  }

  /** HubSpot's 403 when the app was not granted the scope a route needs. */
  checkScope(scope: string): SandboxResponse | null {
    if (!this.options().missingScopes.includes(scope)) return null;
    return missingScopes([scope]);
  }

  admit(token: string, kind: LimitKind): Admission {
    const now = this.now();
    const { dailyLimit, rateLimitPer10s, searchRateLimitPerSecond } = this.options();
    this.rollDay(now);
    if (dailyLimit > 0 && this.dailyCount >= dailyLimit) {
      this.state.rateLimited.DAILY++;
      const headers = kind === 'crm' ? this.headers(token, now, true) : {};
      return {
        ok: false,
        response: json(429, rateLimitBody('DAILY', 'You have reached your daily limit.'), headers),
      };
    }
    if (kind === 'search') {
      if (
        searchRateLimitPerSecond > 0 &&
        this.searchWindow.count(now, ONE_SECOND) >= searchRateLimitPerSecond
      ) {
        this.state.rateLimited.SECONDLY++;
        return {
          ok: false,
          response: json(429, rateLimitBody('SECONDLY', 'You have reached your secondly limit.')),
        };
      }
      this.searchWindow.add(now);
      this.dailyCount++;
      return { ok: true, headers: {} };
    }
    const window = this.windowOf(token);
    if (rateLimitPer10s > 0 && window.count(now, TEN_SECONDS) >= rateLimitPer10s) {
      return { ok: false, response: this.tooManyRequests(token) };
    }
    window.add(now);
    this.dailyCount++;
    return { ok: true, headers: this.headers(token, now, false) };
  }

  /** The DAILY 429, as fault injection sends it. */
  dailyLimitReached(token?: string): SandboxResponse {
    this.state.rateLimited.DAILY++;
    const headers = { ...this.headers(token, this.now(), true) };
    return json(429, rateLimitBody('DAILY', 'You have reached your daily limit.'), headers);
  }

  /** A TEN_SECONDLY_ROLLING 429 with headers; also what fault injection sends. */
  tooManyRequests(token?: string): SandboxResponse {
    this.state.rateLimited.TEN_SECONDLY_ROLLING++;
    const now = this.now();
    const headers = { ...this.headers(token, now, false), 'X-HubSpot-RateLimit-Remaining': '0' };
    return json(
      429,
      rateLimitBody('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.'),
      headers,
    );
  }

  private windowOf(token: string): RollingWindow {
    let window = this.windows.get(token);
    if (!window) this.windows.set(token, (window = new RollingWindow()));
    return window;
  }

  /** Requests counted against the daily limit so far today. */
  usedToday(now: number): number {
    this.rollDay(now);
    return this.dailyCount;
  }

  /** Daily usage resets at midnight in the account's time zone. */
  private rollDay(now: number): void {
    const day = accountDay(now, this.options().timeZone);
    if (day !== this.day) {
      this.day = day;
      this.dailyCount = 0;
    }
  }

  private headers(token: string | undefined, now: number, dailyExhausted: boolean): Record<string, string> {
    const { dailyLimit, rateLimitPer10s } = this.options();
    const headers: Record<string, string> = {};
    if (rateLimitPer10s > 0) {
      const used = token ? this.windowOf(token).count(now, TEN_SECONDS) : rateLimitPer10s;
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(TEN_SECONDS);
      headers['X-HubSpot-RateLimit-Max'] = String(rateLimitPer10s);
      headers['X-HubSpot-RateLimit-Remaining'] = String(Math.max(0, rateLimitPer10s - used));
    }
    if (dailyLimit > 0) {
      headers['X-HubSpot-RateLimit-Daily'] = String(dailyLimit);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(
        dailyExhausted ? 0 : Math.max(0, dailyLimit - this.dailyCount),
      );
    }
    return headers;
  }
}

export function missingScopes(scopes: string[], message?: string): SandboxResponse {
  return hsError(
    403,
    'MISSING_SCOPES',
    message ??
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: scopes },
        },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}
