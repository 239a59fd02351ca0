/** What every HubSpot route handler gets, and the wrapper that puts HubSpot's gatekeeping in front of it. */
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import type { Guard, LimitKind } from './guard.ts';
import { shapeOptionalFields } from './http.ts';
import type { ResolvedOptions } from './options.ts';
import type { PortalState } from './state.ts';

export interface SimContext {
  state: PortalState;
  guard: Guard;
  options: () => ResolvedOptions;
  now: () => number;
  /** Deterministic [0, 1) numbers, reseeded on reset, used to return batch results out of input order. */
  random: () => number;
  /** Timers of pending imports, cleared on reset. */
  timers: Set<NodeJS.Timeout>;
}

export type RouteHandler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface RouteSpec {
  method: string;
  path: string;
  scope: string;
  limit?: LimitKind;
  /** The response's optional fields follow the optionalFields option (CRM objects and properties). */
  optionalFields?: boolean;
  handle: RouteHandler;
}

export function addRoute(router: Router, ctx: SimContext, spec: RouteSpec): void {
  router.add(spec.method, spec.path, async (req) => {
    const auth = ctx.guard.authenticate(req);
    if (!auth.ok) return auth.response;
    const forbidden = ctx.guard.checkScope(spec.scope);
    if (forbidden) return forbidden;
    const admission = ctx.guard.admit(auth.token, spec.limit ?? 'crm');
    if (!admission.ok) return admission.response;
    const answered = await spec.handle(req);
    const response = spec.optionalFields
      ? shapeOptionalFields(answered, ctx.options().optionalFields)
      : answered;
    return { ...response, headers: { ...admission.headers, ...response.headers } };
  });
}

/** Mulberry32: a tiny seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the context's PRNG: HubSpot does not return batch results in input order. */
export function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
