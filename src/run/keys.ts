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
  };
}

export function globalKeys(prefix: string) {
  return {
    /** Run ids by creation time. The cross-run consent state has its own keys (src/ledger/keys.ts). */
    runs: `${prefix}:runs`,
  };
}
