/**
 * Per-application limits: N requests per rolling second and a daily quota that resets at 00:00 UTC.
 * Both answer 429 with no Retry-After header; only the body tells them apart.
 */
export interface CcLimitSettings {
  requestsPerSecond: number;
  dailyQuota: number;
}

/** Limits at or above this count as switched off. */
export const UNLIMITED = 1_000_000;

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class CcLimits {
  private recent = new Map<string, number[]>();
  private daily = new Map<string, { day: string; count: number }>();
  private readonly settings: CcLimitSettings;

  constructor(settings: CcLimitSettings) {
    this.settings = settings;
  }

  set(patch: Partial<CcLimitSettings>): void {
    if (patch.requestsPerSecond !== undefined) this.settings.requestsPerSecond = patch.requestsPerSecond;
    if (patch.dailyQuota !== undefined) this.settings.dailyQuota = patch.dailyQuota;
  }

  /** Counts the request against the application, or says which limit refused it (refusals are not counted). */
  take(clientId: string, now = Date.now()): 'ok' | 'throttled' | 'quota_exceeded' {
    const today = utcDay(now);
    let day = this.daily.get(clientId);
    if (!day || day.day !== today) {
      day = { day: today, count: 0 };
      this.daily.set(clientId, day);
    }
    if (day.count >= this.settings.dailyQuota) return 'quota_exceeded';
    // A limit this high means "off"; skip the window so a benchmark does not pay for it.
    if (this.settings.requestsPerSecond >= UNLIMITED) {
      day.count++;
      return 'ok';
    }
    const window = (this.recent.get(clientId) ?? []).filter((t) => now - t < 1000);
    if (window.length >= this.settings.requestsPerSecond) {
      this.recent.set(clientId, window);
      return 'throttled';
    }
    window.push(now);
    this.recent.set(clientId, window);
    day.count++;
    return 'ok';
  }

  /** Requests counted today per application. */
  usedToday(clientId: string): number {
    const day = this.daily.get(clientId);
    return day && day.day === utcDay(Date.now()) ? day.count : 0;
  }

  /** As if 00:00 UTC had passed. */
  resetDay(): void {
    this.daily.clear();
  }

  reset(): void {
    this.daily.clear();
    this.recent.clear();
  }
}
