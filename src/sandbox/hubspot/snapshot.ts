/** The portal's state as plain JSON, for the admin endpoint, tests and the benchmark. */
import type { SimContext } from './context.ts';
import { iso } from './http.ts';
import type { ResubscribeAttempt, StatusChange } from './state.ts';

export interface HubSpotSnapshot {
  contacts: {
    id: string;
    email: string | null;
    properties: Record<string, string>;
    createdAt: string;
    updatedAt: string;
  }[];
  properties: {
    name: string;
    label: string;
    type: string;
    fieldType: string;
    groupName: string;
    options: { label: string; value: string }[];
    hasUniqueValue: boolean;
    hubspotDefined: boolean;
    readOnlyValue: boolean;
  }[];
  groups: { name: string; label: string; displayOrder: number }[];
  /** Keyed by lowercased email; an address can have a status without being a contact. */
  statuses: Record<
    string,
    {
      optedOutOfAll: boolean;
      optedOutOfAllAt: string | null;
      isContact: boolean;
      subscriptions: Record<
        string,
        { status: string; legalBasis: string | null; legalBasisExplanation: string | null; updatedAt: string }
      >;
    }
  >;
  lists: { listId: string; name: string; processingType: string; members: string[] }[];
  imports: {
    id: string;
    name: string;
    state: string;
    createdAt: string;
    marketableContactImport: boolean;
    counters: Record<string, number>;
    errors: { errorType: string; lineNumber: number; invalidValue?: string }[];
  }[];
  history: {
    statusChanges: StatusChange[];
    /** Every attempt to subscribe someone who had opted out: REFUSED (v3) or RESUBSCRIBED (v4). Should stay empty. */
    resubscribeAttempts: ResubscribeAttempt[];
  };
  rateLimited: { TEN_SECONDLY_ROLLING: number; DAILY: number; SECONDLY: number };
}

export function snapshotOf(ctx: SimContext): HubSpotSnapshot {
  const { state } = ctx;
  const statuses: HubSpotSnapshot['statuses'] = {};
  for (const [email, s] of state.statuses) {
    const subscriptions: HubSpotSnapshot['statuses'][string]['subscriptions'] = {};
    for (const [id, sub] of s.subscriptions) {
      subscriptions[id] = {
        status: sub.status,
        legalBasis: sub.legalBasis,
        legalBasisExplanation: sub.legalBasisExplanation,
        updatedAt: iso(sub.updatedAt),
      };
    }
    statuses[email] = {
      optedOutOfAll: s.optedOutOfAll,
      optedOutOfAllAt: s.optedOutOfAllAt === null ? null : iso(s.optedOutOfAllAt),
      isContact: state.contactByEmail(email) !== undefined,
      subscriptions,
    };
  }
  return {
    contacts: [...state.contacts.values()].map((c) => ({
      id: c.id,
      email: c.email,
      properties: { ...c.properties },
      createdAt: iso(c.createdAt),
      updatedAt: iso(c.updatedAt),
    })),
    properties: [...state.properties.values()].map((p) => ({
      name: p.name,
      label: p.label,
      type: p.type,
      fieldType: p.fieldType,
      groupName: p.groupName,
      options: p.options.map((o) => ({ label: o.label, value: o.value })),
      hasUniqueValue: p.hasUniqueValue,
      hubspotDefined: p.hubspotDefined,
      readOnlyValue: p.readOnlyValue,
    })),
    groups: [...state.groups.values()].map((g) => ({
      name: g.name,
      label: g.label,
      displayOrder: g.displayOrder,
    })),
    statuses,
    lists: [...state.lists.values()].map((l) => ({
      listId: l.listId,
      name: l.name,
      processingType: l.processingType,
      members: [...l.members.keys()],
    })),
    imports: [...state.imports.values()].map((j) => ({
      id: j.id,
      name: j.name,
      state: j.state,
      createdAt: iso(j.createdAt),
      marketableContactImport: j.marketable,
      counters: { ...j.counters },
      errors: j.errors.map((e) => ({
        errorType: e.errorType,
        lineNumber: e.lineNumber,
        ...(e.invalidValue !== undefined ? { invalidValue: e.invalidValue } : {}),
      })),
    })),
    history: {
      statusChanges: state.statusChanges.map((c) => ({ ...c })),
      resubscribeAttempts: state.resubscribeAttempts.map((a) => ({ ...a })),
    },
    rateLimited: { ...state.rateLimited },
  };
}
