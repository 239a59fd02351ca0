import type { Vendor } from './faults.ts';

export interface StatusCounts {
  calls: number;
  /** By HTTP status; "reset" for connections destroyed by fault injection. */
  byStatus: Record<string, number>;
}

export interface VendorCounts extends StatusCounts {
  /** Keyed by "METHOD /route/:pattern", e.g. "GET /3.0/lists/:listId/members". */
  routes: Record<string, StatusCounts>;
}

export type CallCounts = Record<Vendor, VendorCounts>;

const empty = (): CallCounts => ({
  hubspot: { calls: 0, byStatus: {}, routes: {} },
  mailchimp: { calls: 0, byStatus: {}, routes: {} },
  constantContact: { calls: 0, byStatus: {}, routes: {} },
});

/** Calls per vendor, per route pattern and per status, including 429s and injected faults. */
export class CallCounter {
  private counts = empty();

  record(vendor: Vendor, route: string, status: number | 'reset'): void {
    const v = this.counts[vendor];
    const r = (v.routes[route] ??= { calls: 0, byStatus: {} });
    const key = String(status);
    v.calls++;
    v.byStatus[key] = (v.byStatus[key] ?? 0) + 1;
    r.calls++;
    r.byStatus[key] = (r.byStatus[key] ?? 0) + 1;
  }

  snapshot(): CallCounts {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = empty();
  }
}
