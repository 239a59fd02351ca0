/**
 * The first midnight UTC strictly after `now`. Constant Contact's daily quota resets at 00:00:00 UTC
 * (https://developer.constantcontact.com/api_guide/rate_limits.html); HubSpot's daily limit resets at midnight in
 * the account's time zone, which its API does not tell, so midnight UTC is the HubSpot guess too.
 */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}
