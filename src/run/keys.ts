/** Every Redis key the run store uses, under the queue prefix. */
export function runKeys(prefix: string, runId: string) {
  const base = `${prefix}:run:${runId}`;
  return {
    info: base,
    counts: `${base}:counts`,
    records: `${base}:records`,
    dead: `${base}:dead`,
    subscribe: `${base}:subscribe`,
    owners: `${base}:owners`,
    context: `${base}:context`,
    timeline: `${base}:timeline`,
  };
}

export function globalKeys(prefix: string) {
  return {
    runs: `${prefix}:runs`,
    /** email → JSON {recordKey: consent rank}: the last known consent of every source record, across runs. */
    consent: `${prefix}:consent`,
    /** recordKey → "<fingerprint> <email>" of the last successful write. */
    fingerprints: `${prefix}:fingerprints`,
  };
}
