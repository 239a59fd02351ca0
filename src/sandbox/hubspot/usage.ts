/**
 * The account's daily API usage: the day runs midnight to midnight in the ACCOUNT's time zone, and
 * GET /account-info/v3/api-usage/daily/private-apps tells a client when it resets.
 * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-usage-details
 * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
import { json } from '../kit.ts';
import type { Router } from '../kit.ts';
import type { SimContext } from './context.ts';
import { iso } from './http.ts';

const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    dayFormats.set(timeZone, format);
  }
  return format;
}

function wallClock(ms: number, timeZone: string): { y: number; m: number; d: number; wallMs: number } {
  const parts = Object.fromEntries(
    dayFormat(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const [y, m, d] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  const wallMs = Date.UTC(y, m - 1, d, Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { y, m, d, wallMs };
}

/** The account's calendar day of an instant, e.g. "2026-11-20". */
export function accountDay(ms: number, timeZone: string): string {
  const { y, m, d } = wallClock(ms, timeZone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The first midnight in the account's time zone after `ms`. */
export function nextAccountMidnight(ms: number, timeZone: string): number {
  const { y, m, d } = wallClock(ms, timeZone);
  const wallMidnight = Date.UTC(y, m - 1, d + 1);
  const offsetAt = (t: number) => wallClock(t, timeZone).wallMs - Math.floor(t / 1000) * 1000;
  // Twice: the offset at midnight may differ from the offset now (a daylight-saving change in between).
  const guess = wallMidnight - offsetAt(wallMidnight);
  return wallMidnight - offsetAt(guess);
}

export function addUsageRoutes(router: Router, ctx: SimContext): void {
  for (const version of ['v3', '2026-03', '2026-09']) {
    // Answered even when the daily limit is used up: it is how a client learns when it resets.
    router.add('GET', `/account-info/${version}/api-usage/daily/private-apps`, (req) => {
      const auth = ctx.guard.authenticate(req);
      if (!auth.ok) return auth.response;
      const now = ctx.now();
      const { dailyLimit, timeZone } = ctx.options();
      return json(200, {
        results: [
          {
            name: 'private-apps-api-calls-daily',
            usageLimit: dailyLimit,
            currentUsage: ctx.guard.usedToday(now),
            collectedAt: iso(now),
            fetchStatus: 'SUCCESS',
            resetsAt: iso(nextAccountMidnight(now, timeZone)),
          },
        ],
      });
    });
  }
}
