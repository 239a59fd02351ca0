/**
 * The port every source connector offers the workers: read one page of a chain from a checkpoint. A checkpoint
 * is owned by its connector (its paging state: a keyset window, a cursor); the workers store it in a job as it
 * is, JSON and all, and hand it back for the next page without looking inside.
 */

export interface SourcePage<Checkpoint, SourceRecord> {
  /** The page's records, validated leniently: one bad record fails alone in the mapper. */
  records: SourceRecord[];
  /** Where the next page of the chain starts, or null when the chain is done. */
  next: Checkpoint | null;
  /** How many records the source announces for the whole chain (sizes the run), null when it announces none. */
  total: number | null;
}

export interface SourcePager<Checkpoint, SourceRecord> {
  readPage(checkpoint: Checkpoint): Promise<SourcePage<Checkpoint, SourceRecord>>;
}

/** The first checkpoint of one chain, with a name for the chain that is stable across runs (job ids, totals). */
export interface FirstCheckpoint<Checkpoint> {
  chain: string;
  checkpoint: Checkpoint;
}
