/**
 * Fault injection per vendor, set at start or at run time. Decisions come from a seeded PRNG per vendor and
 * always consume the same number of draws, so a run with the same seed and the same request order fails
 * the same requests.
 */
import { Prng, hashString } from './generator/prng.ts';

export const VENDORS = ['hubspot', 'mailchimp', 'constantContact'] as const;
export type Vendor = (typeof VENDORS)[number];

export interface FaultSettings {
  /** Added to every response, in ms. */
  latencyMs?: number;
  /** Share (0–1) of requests answered 500/502/503 with the vendor's error body; the handler does not run. */
  errorRate?: number;
  /** The next N requests get the vendor's 429. Setting it again replaces the remaining count. */
  rateLimitBurst?: number;
  /**
   * HubSpot: which limit the burst's 429s name, TEN_SECONDLY_ROLLING (default) or DAILY.
   * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
   */
  rateLimitPolicy?: 'TEN_SECONDLY_ROLLING' | 'DAILY';
  /**
   * The next N requests get 423 Locked (HubSpot: "Locks will last for 2 seconds").
   * https://developers.hubspot.com/docs/api-reference/error-handling
   */
  lockedBurst?: number;
  /** The next N requests get 477 Migration in Progress with Retry-After (HubSpot; error-handling page above). */
  migrationBurst?: number;
  /** The Retry-After of those 477s, in seconds; default 30. */
  migrationRetryAfterSeconds?: number;
  /**
   * The next N requests get a 403 HTML page without the vendor's error body, as a proxy or firewall in between
   * sends (Mailchimp also sends a bare 403 when it throttles at high volume).
   * https://mailchimp.com/developer/marketing/docs/fundamentals/#api-limits
   */
  forbiddenBurst?: number;
  /** Share (0–1) of requests whose socket is destroyed without a response. */
  resetRate?: number;
  /** Share (0–1) of requests answered only after slowMs; the handler runs first, so writes still happen. */
  slowRate?: number;
  /** How late a slow response comes; choose more than the client's timeout. Default 31,000 ms. */
  slowMs?: number;
}

export type FaultConfig = Partial<Record<Vendor, FaultSettings>>;

export interface FaultCounters {
  delayed: number;
  errors: number;
  rateLimited: number;
  resets: number;
  slow: number;
  locked: number;
  migrating: number;
  forbidden: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'rateLimit'; policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' }
  | { kind: 'locked' }
  | { kind: 'forbidden' }
  | { kind: 'migrating'; retryAfterSeconds: number }
  | { kind: 'error'; status: 500 | 502 | 503 }
  | { kind: 'slow'; ms: number };

const ERROR_STATUSES = [500, 502, 503] as const;
const zeroCounters = (): FaultCounters => ({
  delayed: 0,
  errors: 0,
  rateLimited: 0,
  resets: 0,
  slow: 0,
  locked: 0,
  migrating: 0,
  forbidden: 0,
});

interface VendorFaults {
  settings: FaultSettings;
  burstLeft: number;
  lockedLeft: number;
  migrationLeft: number;
  forbiddenLeft: number;
  rng: Prng;
  counters: FaultCounters;
}

export interface FaultSnapshot {
  settings: FaultConfig;
  burstLeft: Record<Vendor, number>;
  counters: Record<Vendor, FaultCounters>;
}

export class FaultInjector {
  private readonly seed: number;
  private state: Record<Vendor, VendorFaults>;

  constructor(seed = 1, initial: FaultConfig = {}) {
    this.seed = seed;
    this.state = this.fresh();
    this.set(initial);
  }

  private fresh(): Record<Vendor, VendorFaults> {
    const make = (v: Vendor): VendorFaults => ({
      settings: {},
      burstLeft: 0,
      lockedLeft: 0,
      migrationLeft: 0,
      forbiddenLeft: 0,
      rng: new Prng((this.seed ^ hashString(`faults:${v}`)) >>> 0),
      counters: zeroCounters(),
    });
    return {
      hubspot: make('hubspot'),
      mailchimp: make('mailchimp'),
      constantContact: make('constantContact'),
    };
  }

  /** Merges settings per vendor (a key set to 0 switches that fault off). */
  set(config: FaultConfig): void {
    for (const vendor of VENDORS) {
      const patch = config[vendor];
      if (!patch) continue;
      const s = this.state[vendor];
      s.settings = { ...s.settings, ...patch };
      if (patch.rateLimitBurst !== undefined) s.burstLeft = patch.rateLimitBurst;
      if (patch.lockedBurst !== undefined) s.lockedLeft = patch.lockedBurst;
      if (patch.migrationBurst !== undefined) s.migrationLeft = patch.migrationBurst;
      if (patch.forbiddenBurst !== undefined) s.forbiddenLeft = patch.forbiddenBurst;
    }
  }

  /** Removes every fault (of one vendor, or all); counters are kept. */
  clear(vendor?: Vendor): void {
    for (const v of vendor ? [vendor] : VENDORS) {
      this.state[v].settings = {};
      this.state[v].burstLeft = 0;
      this.state[v].lockedLeft = 0;
      this.state[v].migrationLeft = 0;
      this.state[v].forbiddenLeft = 0;
    }
  }

  /** Back to the initial seed, with no faults and zero counters. */
  reset(): void {
    this.state = this.fresh();
  }

  latencyMs(vendor: Vendor): number {
    const ms = this.state[vendor].settings.latencyMs ?? 0;
    if (ms > 0) this.state[vendor].counters.delayed++;
    return ms;
  }

  decide(vendor: Vendor): FaultDecision {
    const s = this.state[vendor];
    const { errorRate = 0, resetRate = 0, slowRate = 0, slowMs = 31_000 } = s.settings;
    const [rReset, rError, rStatus, rSlow] = [s.rng.next(), s.rng.next(), s.rng.next(), s.rng.next()];
    if (rReset < resetRate) {
      s.counters.resets++;
      return { kind: 'reset' };
    }
    if (s.burstLeft > 0) {
      s.burstLeft--;
      s.counters.rateLimited++;
      return { kind: 'rateLimit', policy: s.settings.rateLimitPolicy ?? 'TEN_SECONDLY_ROLLING' };
    }
    if (s.lockedLeft > 0) {
      s.lockedLeft--;
      s.counters.locked++;
      return { kind: 'locked' };
    }
    if (s.forbiddenLeft > 0) {
      s.forbiddenLeft--;
      s.counters.forbidden++;
      return { kind: 'forbidden' };
    }
    if (s.migrationLeft > 0) {
      s.migrationLeft--;
      s.counters.migrating++;
      return { kind: 'migrating', retryAfterSeconds: s.settings.migrationRetryAfterSeconds ?? 30 };
    }
    if (rError < errorRate) {
      s.counters.errors++;
      return { kind: 'error', status: ERROR_STATUSES[Math.floor(rStatus * ERROR_STATUSES.length)]! };
    }
    if (rSlow < slowRate) {
      s.counters.slow++;
      return { kind: 'slow', ms: slowMs };
    }
    return { kind: 'none' };
  }

  counters(): Record<Vendor, FaultCounters> {
    return {
      hubspot: { ...this.state.hubspot.counters },
      mailchimp: { ...this.state.mailchimp.counters },
      constantContact: { ...this.state.constantContact.counters },
    };
  }

  snapshot(): FaultSnapshot {
    const settings: FaultConfig = {};
    for (const v of VENDORS) {
      if (Object.keys(this.state[v].settings).length > 0) settings[v] = { ...this.state[v].settings };
    }
    return {
      settings,
      burstLeft: {
        hubspot: this.state.hubspot.burstLeft,
        mailchimp: this.state.mailchimp.burstLeft,
        constantContact: this.state.constantContact.burstLeft,
      },
      counters: this.counters(),
    };
  }
}
