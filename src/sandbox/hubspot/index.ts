/**
 * A local HubSpot: CRM contacts (batch and search), properties, communication preferences (v3, v4, 2026-09),
 * lists and imports, behind HubSpot's auth, scopes and rate limits. Serve `router` on any node:http server.
 */
import { Router } from '../kit.ts';
import type { SandboxRequest, SandboxResponse } from '../kit.ts';
import { addCommV3Routes } from './comm-v3.ts';
import { addCommV4Routes } from './comm-v4.ts';
import { addContactBatchRoutes } from './contacts.ts';
import { seededRandom } from './context.ts';
import type { SimContext } from './context.ts';
import { Guard } from './guard.ts';
import { hsError } from './http.ts';
import { addImportRoutes } from './imports.ts';
import { addListRoutes } from './lists.ts';
import { resolveOptions } from './options.ts';
import type { HubSpotSimOptions, ResolvedOptions } from './options.ts';
import { addPropertyRoutes } from './properties.ts';
import { addSearchRoutes } from './search.ts';
import { snapshotOf } from './snapshot.ts';
import type { HubSpotSnapshot } from './snapshot.ts';
import { PortalState } from './state.ts';
import { addUsageRoutes } from './usage.ts';

export type { HubSpotSimOptions } from './options.ts';
export { DEFAULT_SUBSCRIPTION_TYPES } from './options.ts';
export type { HubSpotSnapshot } from './snapshot.ts';
export type { ResubscribeAttempt, StatusChange } from './state.ts';

export interface HubSpotSeedContact {
  email: string;
  properties?: Record<string, string>;
  optedOutOfAll?: boolean;
  subscriptions?: Record<string, 'SUBSCRIBED' | 'NOT_SUBSCRIBED'>;
}

export interface HubSpotSim {
  /** All HubSpot routes; paths outside /3.0, /v3 and /oauth2. */
  router: Router;
  /** A TEN_SECONDLY_ROLLING (default) or DAILY 429 with rate-limit headers, for fault injection. */
  tooManyRequests(policy?: 'TEN_SECONDLY_ROLLING' | 'DAILY'): SandboxResponse;
  /** HubSpot's 404 body for a path no route matches. */
  unmatched(req: Pick<SandboxRequest, 'method' | 'path'>): SandboxResponse;
  /** Pre-existing contacts and statuses; not recorded in the snapshot's history. Throws on unknown properties. */
  seedContacts(contacts: HubSpotSeedContact[]): void;
  setOptions(partial: Partial<HubSpotSimOptions>): void;
  options(): ResolvedOptions;
  snapshot(): HubSpotSnapshot;
  /** Empties the portal (default properties only), rate-limit windows and pending imports; keeps the options. */
  reset(): void;
}

const RANDOM_SEED = 0x5eed;

function seed(ctx: SimContext, contacts: HubSpotSeedContact[]): void {
  const { state } = ctx;
  for (const s of contacts) {
    const email = s.email.trim().toLowerCase();
    for (const name of Object.keys(s.properties ?? {})) {
      if (!state.properties.has(name)) {
        throw new Error(`seedContacts: property "${name}" is not defined in the portal; create it first`);
      }
    }
    const existing = state.contactByEmail(email);
    if (existing) state.updateContact(existing, s.properties ?? {});
    else state.createContact({ hs_marketable_status: 'false', ...s.properties, email });
    const status = state.ensureStatus(email);
    const at = ctx.now();
    for (const [id, value] of Object.entries(s.subscriptions ?? {})) {
      status.subscriptions.set(id, {
        status: value,
        legalBasis: null,
        legalBasisExplanation: null,
        updatedAt: at,
      });
    }
    if (s.optedOutOfAll) {
      status.optedOutOfAll = true;
      status.optedOutOfAllAt = at;
      for (const t of ctx.options().subscriptionTypes) {
        status.subscriptions.set(t.id, {
          status: 'NOT_SUBSCRIBED',
          legalBasis: null,
          legalBasisExplanation: null,
          updatedAt: at,
        });
      }
      state.setSystemProperty(state.contactByEmail(email)!, 'hs_email_optout', 'true');
    }
  }
}

export function createHubSpotSim(initial: HubSpotSimOptions): HubSpotSim {
  let options = resolveOptions(initial);
  let clockOverride = initial.clock;
  const now = (): number => (clockOverride ? clockOverride() : Date.now());
  const state = new PortalState(now);
  const ctx: SimContext = {
    state,
    options: () => options,
    now,
    random: seededRandom(RANDOM_SEED),
    guard: new Guard(() => options, state, now),
    timers: new Set(),
  };
  const router = new Router();
  addContactBatchRoutes(router, ctx);
  addSearchRoutes(router, ctx);
  addPropertyRoutes(router, ctx);
  addCommV4Routes(router, ctx);
  addCommV3Routes(router, ctx);
  addListRoutes(router, ctx);
  addImportRoutes(router, ctx);
  addUsageRoutes(router, ctx);

  return {
    router,
    tooManyRequests: (policy) =>
      policy === 'DAILY' ? ctx.guard.dailyLimitReached() : ctx.guard.tooManyRequests(),
    unmatched: (req) => hsError(404, 'OBJECT_NOT_FOUND', `No HubSpot API matches ${req.method} ${req.path}`),
    seedContacts: (contacts) => seed(ctx, contacts),
    setOptions: (partial) => {
      if (partial.clock) clockOverride = partial.clock;
      const { clock: _clock, ...rest } = partial;
      const current: HubSpotSimOptions = { ...options };
      // A new tier brings its own limits unless they are given too.
      if (rest.tier !== undefined) {
        delete current.rateLimitPer10s;
        delete current.dailyLimit;
      }
      options = resolveOptions({ ...current, ...rest });
    },
    options: () => options,
    snapshot: () => snapshotOf(ctx),
    reset: () => {
      for (const timer of ctx.timers) clearTimeout(timer);
      ctx.timers.clear();
      ctx.guard.reset();
      state.clear();
      ctx.random = seededRandom(RANDOM_SEED);
    },
  };
}
