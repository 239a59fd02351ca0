/**
 * The consent ledger's Redis keys, under the queue prefix. They live across runs (no expiry) because consent
 * merging, incremental syncs and pending opt-outs depend on them; each holds email addresses.
 */
export function ledgerKeys(prefix: string) {
  return {
    /** email → JSON {recordKey: [rank, changedAt]}: the last known consent of every source record. */
    consent: `${prefix}:consent`,
    /** email → "<changedAt>|<recordKey>" of the most recently changed record that writes properties. */
    owners: `${prefix}:owners`,
    /** recordKey → "<fingerprint> <email>" of the last successful write. */
    fingerprints: `${prefix}:fingerprints`,
    /** email → subscription held back until every configured audience and account has been read once. */
    held: `${prefix}:pending-subscriptions`,
    /** email → opt-out HubSpot has not confirmed yet (retried by every run until it does). */
    pendingOptOuts: `${prefix}:pending-optouts`,
    /** email → first time (ms) its opt-out was pending: the age alert reads the oldest. */
    pendingOptOutsSince: `${prefix}:pending-optouts:since`,
    /** Read scopes ("mailchimp:<audienceId>", "constant-contact") whose every record has been read once. */
    readOnce: `${prefix}:read-once`,
    /** Short per-address locks: opt-out writes and read-then-subscribe of one address never interleave. */
    addressLock: (email: string) => `${prefix}:lock:address:${email}`,
  };
}
