/** Failed logins one client address may make per window before every login from it is refused for a while. */
export const MAX_FAILED_LOGINS = 10;
export const LOGIN_WINDOW_MS = 60_000;

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Counts failed logins per client address in a fixed window, in this process's memory: a guess costs the
 * guesser, never Redis. Behind a reverse proxy every client shares the proxy's address, so one guesser also
 * locks the others out for the rest of the window (the safer side).
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly max: number;
  private readonly windowMs: number;

  constructor(options: { now?: () => number; max?: number; windowMs?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.max = options.max ?? MAX_FAILED_LOGINS;
    this.windowMs = options.windowMs ?? LOGIN_WINDOW_MS;
  }

  /** Seconds to wait before this address may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.max) return 0;
    return Math.max(1, Math.ceil((window.endsAt - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.current(address);
    if (window) window.failures += 1;
    else this.windows.set(address, { failures: 1, endsAt: this.now() + this.windowMs });
    this.prune();
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  /** Ended windows are dropped as new failures arrive, so a scan of many addresses cannot grow memory forever. */
  private prune(): void {
    if (this.windows.size < 1000) return;
    const now = this.now();
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address);
  }
}
