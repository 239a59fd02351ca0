/** One line of `esp-sync doctor`: what was checked, how it went, and what to do about it. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** Stable name for --json readers, e.g. "redis.eviction". */
  id: string;
  /** What was checked, for the table. */
  label: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do; set for warn and fail. */
  fix?: string;
}

export interface DoctorReport {
  /** True when no check failed: a migration can run (warnings say what may go wrong). */
  canMigrate: boolean;
  checks: Check[];
}

export const check = (
  id: string,
  label: string,
  status: CheckStatus,
  detail: string,
  fix?: string,
): Check => ({ id, label, status, detail, ...(fix ? { fix } : {}) });
