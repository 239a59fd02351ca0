/**
 * The first midnight UTC strictly after `now`. Constant Contact's daily quota resets at 00:00:00 UTC
 * (https://developer.constantcontact.com/api_guide/rate_limits.html); HubSpot's daily limit resets at midnight in
 * the account's time zone, which its API does not tell, so midnight UTC is the HubSpot guess too.
 */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** A duration for people: "1h 2m", "3m 20s" or "12s"; "–" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
