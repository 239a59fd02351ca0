/**
 * The simulated portal: contacts, property definitions, subscription statuses, lists and imports, indexed by
 * Maps so that every per-input operation is O(1) (the sandbox must serve 10,000 contacts/s).
 */
import { defaultGroups, defaultProperties } from './defaults.ts';
import { iso } from './http.ts';
import type { PropertyDefinition, PropertyGroup } from './defaults.ts';

export interface Contact {
  id: string;
  /** Lowercased; null for a contact created without an email. */
  email: string | null;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export type SubscriptionState = 'SUBSCRIBED' | 'NOT_SUBSCRIBED';

export interface SubscriptionStatus {
  status: SubscriptionState;
  legalBasis: string | null;
  legalBasisExplanation: string | null;
  updatedAt: number;
}

export interface EmailStatus {
  optedOutOfAll: boolean;
  optedOutOfAllAt: number | null;
  subscriptions: Map<string, SubscriptionStatus>;
}

export type StatusApi = 'v3' | 'v4' | '2026-09' | 'import';

/** One change of one address's status, kept so tests can replay what the worker did to consent. */
export interface StatusChange {
  at: string;
  email: string;
  /** A subscription type id, or 'ALL' for an opt-out of (or resubscribe to) all email. */
  scope: string;
  from: string;
  to: string;
  api: StatusApi;
  wasContact: boolean;
}

/** An attempt to subscribe an address that had opted out of all email or unsubscribed from that type. */
export interface ResubscribeAttempt {
  at: string;
  email: string;
  subscriptionId: string;
  api: StatusApi;
  reason: 'OPTED_OUT_OF_ALL' | 'UNSUBSCRIBED_FROM_TYPE';
  /** REFUSED: the API said no (v3). RESUBSCRIBED: the API did it (v4 RESUBSCRIBE_OCCURRED). */
  outcome: 'REFUSED' | 'RESUBSCRIBED';
}

export interface HubSpotList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: string;
  createdAt: number;
  updatedAt: number;
  listVersion: number;
  members: Map<string, number>;
}

export type ImportState = 'STARTED' | 'PROCESSING' | 'DONE' | 'FAILED' | 'DEFERRED';

export interface ImportRowError {
  id: string;
  createdAt: number;
  errorType: string;
  invalidValue?: string;
  knownColumnNumber?: number;
  errorMessage: string;
  lineNumber: number;
  rowData: string[];
}

export interface ImportJob {
  id: string;
  name: string;
  state: ImportState;
  createdAt: number;
  updatedAt: number;
  request: unknown;
  marketable: boolean;
  counters: Record<string, number>;
  errors: ImportRowError[];
}

export class PortalState {
  readonly contacts = new Map<string, Contact>();
  readonly contactsByEmail = new Map<string, Contact>();
  /** hs_additional_emails (";"-separated, lowercased) → contact. */
  readonly contactsByAdditionalEmail = new Map<string, Contact>();
  /** For properties with hasUniqueValue: property → value → contact id. */
  readonly uniqueIndex = new Map<string, Map<string, string>>();
  /** Built lazily per property on the first search that filters on it: property → lowercased value → ids. */
  readonly searchIndex = new Map<string, Map<string, Set<string>>>();
  readonly properties = new Map<string, PropertyDefinition>();
  readonly groups = new Map<string, PropertyGroup>();
  readonly statuses = new Map<string, EmailStatus>();
  readonly lists = new Map<string, HubSpotList>();
  readonly listsByName = new Map<string, HubSpotList>();
  readonly imports = new Map<string, ImportJob>();
  readonly statusChanges: StatusChange[] = [];
  readonly resubscribeAttempts: ResubscribeAttempt[] = [];
  readonly rateLimited = { TEN_SECONDLY_ROLLING: 0, DAILY: 0, SECONDLY: 0 };
  private nextContactId = 0;
  private nextListId = 0;
  private nextImportId = 0;

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
    this.clear();
  }

  clear(): void {
    this.contacts.clear();
    this.contactsByEmail.clear();
    this.contactsByAdditionalEmail.clear();
    this.uniqueIndex.clear();
    this.searchIndex.clear();
    this.properties.clear();
    this.groups.clear();
    this.statuses.clear();
    this.lists.clear();
    this.listsByName.clear();
    this.imports.clear();
    this.statusChanges.length = 0;
    this.resubscribeAttempts.length = 0;
    this.rateLimited.TEN_SECONDLY_ROLLING = 0;
    this.rateLimited.DAILY = 0;
    this.rateLimited.SECONDLY = 0;
    this.nextContactId = 0;
    this.nextListId = 0;
    this.nextImportId = 0;
    const at = this.now();
    for (const group of defaultGroups()) this.groups.set(group.name, group);
    for (const prop of defaultProperties(at)) this.properties.set(prop.name, prop);
  }

  newListId = (): string => String(++this.nextListId);
  newImportId = (): string => String(40_000_000 + ++this.nextImportId);

  contactById(id: string): Contact | undefined {
    return this.contacts.get(id);
  }

  contactByEmail(email: string): Contact | undefined {
    return this.contactsByEmail.get(email.toLowerCase());
  }

  /** The contact that lists the address among its additional email addresses. */
  contactByAdditionalEmail(email: string): Contact | undefined {
    return this.contactsByAdditionalEmail.get(email.trim().toLowerCase());
  }

  contactByUnique(property: string, value: string): Contact | undefined {
    const id = this.uniqueIndex.get(property)?.get(value);
    return id === undefined ? undefined : this.contacts.get(id);
  }

  /** Creates a contact; the caller has validated the properties. */
  createContact(properties: Record<string, string>): Contact {
    const at = this.now();
    // Large, sparse ids like real HubSpot ones, so nobody relies on them being small or dense.
    const id = String(100_000_000_000 + ++this.nextContactId * 7);
    const email = properties.email ? properties.email.toLowerCase() : null;
    const contact: Contact = { id, email, properties: {}, createdAt: at, updatedAt: at };
    this.contacts.set(id, contact);
    const stamped: Record<string, string> = {
      ...properties,
      hs_object_id: id,
      createdate: iso(at),
      lastmodifieddate: iso(at),
    };
    if (email) {
      stamped.email = email;
      if (this.statuses.get(email)?.optedOutOfAll) stamped.hs_email_optout = 'true';
    }
    this.writeProperties(contact, stamped);
    return contact;
  }

  /** Writes validated properties; '' clears a value, as in HubSpot. */
  updateContact(contact: Contact, properties: Record<string, string>): void {
    const at = this.now();
    contact.updatedAt = at;
    const next: Record<string, string> = { ...properties, lastmodifieddate: iso(at) };
    if (properties.email !== undefined && properties.email !== '') {
      next.email = properties.email.toLowerCase();
    }
    this.writeProperties(contact, next);
  }

  /** Sets a read-only property the way HubSpot's own processes do (opt-outs, imports). */
  setSystemProperty(contact: Contact, name: string, value: string): void {
    this.writeProperties(contact, { [name]: value });
  }

  private writeProperties(contact: Contact, properties: Record<string, string>): void {
    for (const [name, value] of Object.entries(properties)) {
      const previous = contact.properties[name];
      if (previous === value) continue;
      this.reindex(contact, name, previous, value);
      if (value === '') delete contact.properties[name];
      else contact.properties[name] = value;
    }
  }

  private reindex(contact: Contact, name: string, previous: string | undefined, value: string): void {
    if (name === 'email') {
      if (contact.email) this.contactsByEmail.delete(contact.email);
      contact.email = value === '' ? null : value;
      if (contact.email) this.contactsByEmail.set(contact.email, contact);
    }
    if (name === 'hs_additional_emails') {
      for (const old of splitEmails(previous)) this.contactsByAdditionalEmail.delete(old);
      for (const added of splitEmails(value)) this.contactsByAdditionalEmail.set(added, contact);
    }
    if (this.properties.get(name)?.hasUniqueValue) {
      let index = this.uniqueIndex.get(name);
      if (!index) this.uniqueIndex.set(name, (index = new Map<string, string>()));
      if (previous !== undefined) index.delete(previous);
      if (value !== '') index.set(value, contact.id);
    }
    const search = this.searchIndex.get(name);
    if (search) {
      if (previous !== undefined) search.get(previous.toLowerCase())?.delete(contact.id);
      if (value !== '') {
        const key = value.toLowerCase();
        let ids = search.get(key);
        if (!ids) search.set(key, (ids = new Set()));
        ids.add(contact.id);
      }
    }
  }

  /** The ids whose property equals the value (case-insensitively), building the index on first use. */
  idsWithValue(property: string, value: string): Set<string> {
    let index = this.searchIndex.get(property);
    if (!index) {
      index = new Map();
      for (const contact of this.contacts.values()) {
        const current = contact.properties[property];
        if (current === undefined) continue;
        const key = current.toLowerCase();
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(contact.id);
      }
      this.searchIndex.set(property, index);
    }
    return index.get(value.toLowerCase()) ?? new Set();
  }

  statusOf(email: string): EmailStatus | undefined {
    return this.statuses.get(email.toLowerCase());
  }

  ensureStatus(email: string): EmailStatus {
    const key = email.toLowerCase();
    let status = this.statuses.get(key);
    if (!status) {
      status = { optedOutOfAll: false, optedOutOfAllAt: null, subscriptions: new Map() };
      this.statuses.set(key, status);
    }
    return status;
  }
}

const splitEmails = (value: string | undefined): string[] =>
  (value ?? '')
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
