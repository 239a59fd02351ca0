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
    /** Keys of every source record the run read: each must end with a row before the watermark moves. */
    read: `${base}:read`,
    timeline: `${base}:timeline`,
    /** Per source chain, its last records that did not fill a batch: the read phase sends them all together. */
    tails: `${base}:tails`,
    /** A dry run's plan: per record key, the contact write it would make (create, or update old → new). */
    plan: `${base}:plan`,
    /** A dry run's HubSpot calls by kind, list and property names it would create, marketing counts. */
    planTotals: `${base}:plan:totals`,
    planLists: `${base}:plan:lists`,
    planProperties: `${base}:plan:properties`,
    /** What the dry run would have made HubSpot hold, read back by its later batches: email → contact, status. */
    planContacts: `${base}:plan:contacts`,
    planConsent: `${base}:plan:consent`,
  };
}

export function globalKeys(prefix: string) {
  return {
    /** Run ids by creation time. The cross-run consent state has its own keys (src/ledger/keys.ts). */
    runs: `${prefix}:runs`,
  };
}
