/** Every Redis key the run store uses, under the queue prefix. */
export function runKeys(prefix: string, runId: string) {
  const base = `${prefix}:run:${runId}`;
  return {
    info: base,
    counts: `${base}:counts`,
    records: `${base}:records`,
    dead: `${base}:dead`,
    subscribe: `${base}:subscribe`,
    context: `${base}:context`,
    timeline: `${base}:timeline`,
  };
}

export function globalKeys(prefix: string) {
  return {
    runs: `${prefix}:runs`,
    /** email → JSON {recordKey: consent rank}: the last known consent of every source record, across runs. */
    consent: `${prefix}:consent`,
    /** email → "<changedAt>|<recordKey>" of the most recently changed record, whose properties HubSpot holds. */
    owners: `${prefix}:owners`,
    /** email → subscription held back until every configured source has been read once. */
    pendingSubscriptions: `${prefix}:pending-subscriptions`,
    /** Sources whose records have all been read at least once (a read phase of theirs completed). */
    sourcesRead: `${prefix}:sources-read`,
    /** recordKey → "<fingerprint> <email>" of the last successful write. */
    fingerprints: `${prefix}:fingerprints`,
  };
}
