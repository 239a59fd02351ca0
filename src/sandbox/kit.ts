/**
 * The small HTTP kit the three simulators share: a router over node:http with JSON bodies.
 * The sandbox imports nothing from the worker (src/ outside src/sandbox), so it can stand in for the real APIs.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface SandboxRequest {
  method: string;
  /** Path without the query string, e.g. "/3.0/lists/abc/members". */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON when the body is JSON, otherwise undefined (see rawBody). */
  body: unknown;
  /** Path parameters from the route pattern (":listId" → params.listId). */
  params: Record<string, string>;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string or Buffer (then sent as is). Omit for an empty body. */
  body?: unknown;
}

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  source: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  /** Patterns are literal paths with ":name" segments, e.g. "/3.0/lists/:listId/members". */
  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({
      method: method.toUpperCase(),
      source: pattern,
      pattern: new RegExp(`^${source}/?$`),
      names,
      handler,
    });
    return this;
  }

  /**
   * The handler, params and route pattern for a request; 'method' when the path exists with other methods;
   * null when no route matches the path.
   */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string>; pattern: string } | 'method' | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
      return { handler: route.handler, params, pattern: route.source };
    }
    return pathMatched ? 'method' : null;
  }
}

export const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): SandboxResponse => ({
  status,
  body,
  headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
});

/** What the composed server needs from each simulator besides its routes. */
export interface VendorSim {
  router: Router;
  /**
   * Auth and connection limits, checked before faults and routing. Either a response that ends the request,
   * or a callback the server calls once the response has been sent (to release a connection slot).
   */
  admit?(req: SandboxRequest): { reject: SandboxResponse } | { release?: () => void };
  /** The vendor's own 429, used by fault injection; HubSpot names the limit (policy). */
  tooManyRequests(policy?: 'TEN_SECONDLY_ROLLING' | 'DAILY'): SandboxResponse;
  /** The vendor's 423 and 477 (HubSpot), used by fault injection; others answer their 503. */
  locked?(): SandboxResponse;
  migrating?(retryAfterSeconds: number): SandboxResponse;
  /** The vendor's own 5xx body, used by fault injection. */
  serverError(status: number): SandboxResponse;
  notFound(req: SandboxRequest): SandboxResponse;
  methodNotAllowed(req: SandboxRequest): SandboxResponse;
}
