/** The consent ledger's domain words: what is held, pending or claimed for one person across runs. */

/** A person's subscription waiting to be written (in a run's subscribe phase, or held for a later run). */
export interface SubscribeCandidate {
  /** The run whose records these are (set when a candidate is held back for a later run). */
  runId?: string;
  email: string;
  /** The records asking to subscribe this email, and their fingerprints (same order). */
  keys: string[];
  fingerprints: string[];
  legalBasis: string;
  explanation: string;
}

/** An opt-out HubSpot has not confirmed: kept without expiry and retried by every run until it is. */
export interface PendingOptOut {
  email: string;
  /** When the opt-out was first found unconfirmed (ISO 8601). */
  since: string;
  /** The source records that asked for it. */
  keys: string[];
  /** The run that first tried to write it. */
  runId: string;
  /** Why HubSpot has not confirmed it yet, when known. */
  lastError?: string;
}

/** How many opt-outs wait for HubSpot's confirmation, and since when the oldest one waits. */
export interface PendingOptOutSummary {
  count: number;
  oldestSince: string | null;
}
