/**
 * The ports between the workers and the HubSpot connector, in the domain's words. Connectors implement them,
 * speak HTTP, validate vendor JSON and translate failures into the error taxonomy (src/errors). Workers call
 * only these. A source's port carries that vendor's wire shapes, so it lives with them in its connector
 * (connectors/mailchimp/wire.ts, connectors/constant-contact/wire.ts); every source reads pages through
 * the SourcePager of source-pages.ts.
 *
 * Every method may throw RateLimitedError, QuotaExhaustedError, AuthError or TransientError (after the
 * connector's own retries) for a failure of the whole call. Per-record problems come back as results.
 */
import type { ApiName, LegalBasis, PropertyDefinition, RecordKey } from './contact.ts';

/** Connectors report every HTTP call here (metrics: request counts, 429s, latency per API). */
export interface ApiCallEvent {
  api: ApiName;
  /** A stable label, e.g. "POST /crm/v3/objects/contacts/batch/upsert" (no ids or emails in it). */
  endpoint: string;
  /** HTTP status, or "network" when no response arrived. */
  status: number | 'network';
  durationMs: number;
}
export type ApiCallObserver = (event: ApiCallEvent) => void;

// ---------- HubSpot (sink) ----------

export interface ContactWrite {
  key: RecordKey;
  email: string;
  properties: Record<string, string>;
}

export type ContactWriteResult =
  | { key: RecordKey; email: string; ok: true; hubspotId: string; created: boolean }
  | { key: RecordKey; email: string; ok: false; reason: string };

export interface EmailChange {
  key: RecordKey;
  oldEmail: string;
  newEmail: string;
}
export type EmailChangeResult =
  | { key: RecordKey; ok: true; /** The HubSpot record that now has the new address. */ hubspotId?: string }
  | {
      key: RecordKey;
      ok: false;
      reason: string;
      /** HubSpot has no contact at the old address: nothing to move, and writing the new one duplicates no one. */
      oldMissing?: boolean;
    };

export type MarketingStatus = 'SUBSCRIBED' | 'NOT_SUBSCRIBED' | 'NOT_SPECIFIED';

export interface HubSpotConsent {
  email: string;
  /** Opted out of all email (portal-wide unsubscribe). */
  optedOutOfAll: boolean;
  /** Status of the tool's marketing subscription type. */
  marketing: MarketingStatus;
  /**
   * Set when HubSpot's answer could not be read (404, an unknown status, a refused call): the state above is
   * then the most restrictive one, and nothing may be subscribed on it.
   */
  unknown?: string;
  /** HubSpot knows nothing about the address (404: no contact, no status ever set). Implies `unknown`. */
  absent?: boolean;
}

export type EmailWriteResult =
  | {
      email: string;
      ok: true;
      /** HubSpot says the write resubscribed someone who had opted out (RESUBSCRIBE_OCCURRED). */
      resubscribed?: boolean;
    }
  | { email: string; ok: false; reason: string };

export interface SubscribeInput {
  email: string;
  legalBasis: LegalBasis;
  explanation: string;
}

export interface HubSpotPort {
  /** Creates the tool's property group and any missing properties; idempotent and cheap after the first call. */
  ensureProperties(definitions: PropertyDefinition[]): Promise<void>;
  /** Batch upsert by email, at most 100 inputs; one result per input, in any order. */
  upsertContacts(inputs: ContactWrite[]): Promise<ContactWriteResult[]>;
  /**
   * Gives existing contacts a new address (the source changed a person's email): reads the record ids by the
   * old addresses, then updates those records by id. A change HubSpot refuses (no contact at the old address,
   * new address taken) comes back ok:false with the reason.
   */
  changeEmails(changes: EmailChange[]): Promise<EmailChangeResult[]>;
  /** Current subscription state of each address; an answer that cannot be read comes back `unknown`. */
  readConsent(emails: string[]): Promise<Map<string, HubSpotConsent>>;
  /** Opts addresses out of all email. Falls back to one call per address where the batch endpoint is refused (403). */
  unsubscribeAll(emails: string[]): Promise<EmailWriteResult[]>;
  /** Sets the marketing subscription to SUBSCRIBED. Callers must have checked readConsent first. */
  subscribe(inputs: SubscribeInput[]): Promise<EmailWriteResult[]>;
  /** True once a batch opt-out was refused with 403 and the per-address fallback is in use. */
  readonly usingOptOutFallback: boolean;
  /** HubSpot's static lists (absent in ports that do not support them, e.g. test doubles). */
  readonly lists?: HubSpotListsPort;
  /** HubSpot's CRM imports, for the import mode of a migration (absent where not supported). */
  readonly imports?: HubSpotImportsPort;
}

/** An import's state as HubSpot names it; DEFERRED waits for one of the (at most 3) running imports. */
export type ImportState = 'STARTED' | 'PROCESSING' | 'DONE' | 'FAILED' | 'CANCELED' | 'DEFERRED' | 'REVERTED';

/** One CSV file to import: its header row holds the contact property names, one of them `email`. */
export interface ImportStart {
  /** Unique per file and run: the import is found again by it after a crash. */
  name: string;
  filePath: string;
  fileName: string;
  columns: string[];
  /** Contacts become marketing contacts (marketableContactImport). */
  marketable: boolean;
}

export interface ImportStatus {
  id: string;
  name: string | null;
  state: ImportState | 'UNKNOWN';
  /** HubSpot's counters when it reports them (rows in the file, objects written, row errors). */
  totalRows: number | null;
  written: number | null;
  errors: number | null;
}

export interface ImportRowError {
  /** The line of the file (the header is line 1); null when HubSpot does not say. */
  lineNumber: number | null;
  errorType: string;
  message: string | null;
  invalidValue: string | null;
}

/** HubSpot's CRM imports (POST /crm/v3/imports and its status and errors). */
export interface HubSpotImportsPort {
  /** Starts one import; sent once (never retried in-process): an unclear outcome is settled by findImport. */
  startImport(input: ImportStart): Promise<ImportStatus>;
  /** The import of that name, among the account's recent imports; null when there is none. */
  findImport(name: string): Promise<ImportStatus | null>;
  readImport(importId: string): Promise<ImportStatus>;
  /** One page of an import's row errors; `next` is the cursor of the page after it. */
  importErrors(importId: string, after?: string): Promise<{ errors: ImportRowError[]; next: string | null }>;
}

/** HubSpot's v3 lists, for contacts: what carries source lists over (src/workers/list-memberships.ts). */
export interface HubSpotListsPort {
  /**
   * The id of the MANUAL contact list with this name, created when there is none; null when a list of that
   * name exists but its members cannot be set through the API (a DYNAMIC list).
   */
  ensureList(name: string): Promise<string | null>;
  /** The contact list with this name, without creating one; null when there is none. */
  findList(name: string): Promise<HubSpotListInfo | null>;
  /** A list's name and size; null when HubSpot has no list with that id. */
  readList(listId: string): Promise<HubSpotListInfo | null>;
  /** Adds (or removes) contacts by record id, in batches; `listMissing` when the list no longer exists. */
  changeMembers(listId: string, change: 'add' | 'remove', recordIds: string[]): Promise<ListMembersResult>;
  /** Record ids of the contacts with these addresses (batches of ≤100); addresses without a contact are absent. */
  contactIds(emails: string[]): Promise<Map<string, string>>;
}

export interface HubSpotListInfo {
  listId: string;
  name: string;
  processingType: string | null;
  size: number | null;
}

export type ListMembersResult = { listMissing: false; changed: number } | { listMissing: true; changed: 0 };

/** A HubSpot contact as a batch read by email returns it. */
export interface HubSpotContactRead {
  /** The canonical address the contact was found by. */
  email: string;
  hubspotId: string;
  /** Property internal name → value as HubSpot holds it; unset properties are absent. */
  properties: Record<string, string>;
}

/** Reads only (verify, doctor): what HubSpot holds, without writing anything. */
export interface HubSpotReadPort {
  /** Contacts by email (batches of ≤100); addresses without a contact are absent from the map. */
  readContacts(emails: string[], properties: string[]): Promise<Map<string, HubSpotContactRead>>;
  readConsent(emails: string[]): Promise<Map<string, HubSpotConsent>>;
  /** The id of the subscription type consent is written to (HUBSPOT_SUBSCRIPTION_ID or looked up by name). */
  subscriptionId(): Promise<string>;
  /** Names of the definitions HubSpot has no contact property for yet (one read). */
  missingProperties(definitions: PropertyDefinition[]): Promise<string[]>;
}

// ---------- Dry runs ----------

/** HubSpot calls a real run would make, by kind: the dry run's cost preview. */
export const PLANNED_CALL_KINDS = [
  'setup',
  'upsert',
  'emailChange',
  'optOutWrite',
  'statusRead',
  'subscribeWrite',
  'list',
  'import',
] as const;
export type PlannedCallKind = (typeof PLANNED_CALL_KINDS)[number];
export type PlannedCalls = Partial<Record<PlannedCallKind, number>>;

/** A contact the dry run would have written: the record id it has (or would get) and whether it is new. */
export interface PlannedContact {
  hubspotId: string;
  created: boolean;
}

/** One record's planned contact write: create, or update with the properties that change (old → new). */
export interface PlannedContactWrite {
  key: RecordKey;
  email: string;
  hubspotId: string;
  action: 'create' | 'update';
  changes: { property: string; from: string | null; to: string }[];
}

export type PlannedStep =
  | { kind: 'contacts'; writes: PlannedContactWrite[] }
  /** Contacts an import would create (imports name no record). */
  | { kind: 'newContacts'; contacts: { email: string; hubspotId: string }[] }
  | { kind: 'moves'; moves: { oldEmail: string; newEmail: string; hubspotId: string }[] }
  | { kind: 'consent'; state: 'optedOut' | 'subscribed'; emails: string[] }
  | { kind: 'list'; name: string }
  | { kind: 'properties'; names: string[] }
  | { kind: 'calls' };

/**
 * Where a dry run keeps what it would have written to HubSpot. Its later batches read it back, so they see
 * the portal as the real run would have left it; reports read it as the plan.
 */
export interface DryRunPlan {
  /** Contacts the run would have created or moved here; an address moved away is absent from HubSpot. */
  contacts(emails: string[]): Promise<Map<string, PlannedContact | 'movedAway'>>;
  /** Subscription states the run would have written. */
  consent(emails: string[]): Promise<Map<string, 'optedOut' | 'subscribed'>>;
  /** Records a planned step and the calls a real run would make for it. */
  record(step: PlannedStep, calls: PlannedCalls): Promise<void>;
}
