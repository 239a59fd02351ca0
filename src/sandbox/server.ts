/**
 * One node:http server for the three simulators: /3.0 → Mailchimp, /v3 and /oauth2 → Constant Contact,
 * /__admin → the admin API, everything else → HubSpot. Per request: admission (auth, connection and rate
 * limits), latency, injected faults, then the vendor's route.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router, SandboxRequest, SandboxResponse, VendorSim } from './kit.ts';
import type { CallCounter } from './call-counts.ts';
import type { FaultInjector, Vendor } from './faults.ts';

export interface ServerParts {
  vendors: Record<Vendor, VendorSim>;
  faults: FaultInjector;
  calls: CallCounter;
  admin: Router;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** What a proxy or firewall in front of an API answers: a 403 page, none of the vendor's error body. */
const PROXY_FORBIDDEN: SandboxResponse = {
  status: 403,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: '<html><head><title>403 Forbidden</title></head><body><h1>Access denied</h1></body></html>',
};

export function vendorFor(path: string): Vendor {
  if (path === '/3.0' || path.startsWith('/3.0/')) return 'mailchimp';
  if (path.startsWith('/v3/') || path === '/v3' || path.startsWith('/oauth2/')) return 'constantContact';
  return 'hubspot';
}

const sleep = (ms: number, timers: Set<NodeJS.Timeout>): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function toSandboxRequest(req: IncomingMessage): Promise<SandboxRequest> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawBody = await readBody(req);
  let body: unknown;
  if (rawBody.length > 0 && (req.headers['content-type'] ?? '').includes('json')) {
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      body = undefined;
    }
  }
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? raw : raw.slice(0, q),
    query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)),
    headers: req.headers,
    rawBody,
    body,
    params: {},
  };
}

function send(res: ServerResponse, out: SandboxResponse): void {
  if (res.destroyed) return;
  let payload: string | Buffer | undefined;
  if (out.body === undefined) payload = undefined;
  else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) payload = out.body;
  else payload = JSON.stringify(out.body);
  const headers: Record<string, string | number> = { ...out.headers };
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json;charset=utf-8';
  }
  headers['content-length'] = payload === undefined ? 0 : Buffer.byteLength(payload);
  res.writeHead(out.status, headers);
  res.end(payload);
}

async function route(
  router: Router,
  sim: VendorSim,
  req: SandboxRequest,
): Promise<{ out: SandboxResponse; pattern: string }> {
  const match = router.match(req.method, req.path);
  if (match === null) return { out: sim.notFound(req), pattern: '(unmatched)' };
  if (match === 'method') return { out: sim.methodNotAllowed(req), pattern: '(method not allowed)' };
  req.params = match.params;
  return { out: await match.handler(req), pattern: match.pattern };
}

export async function startServer(parts: ServerParts, port: number, host: string): Promise<RunningServer> {
  const timers = new Set<NodeJS.Timeout>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sreq = await toSandboxRequest(req);
    if (sreq.path.startsWith('/__admin/')) {
      const match = parts.admin.match(sreq.method, sreq.path);
      if (match === null || match === 'method') {
        send(res, { status: 404, body: { error: `No admin route ${sreq.method} ${sreq.path}` } });
        return;
      }
      sreq.params = match.params;
      send(res, await match.handler(sreq));
      return;
    }

    const vendor = vendorFor(sreq.path);
    const sim = parts.vendors[vendor];
    const matched = sim.router.match(sreq.method, sreq.path);
    const label = `${sreq.method} ${matched && matched !== 'method' ? matched.pattern : sreq.path}`;
    const admission = sim.admit?.(sreq) ?? {};
    if ('reject' in admission) {
      parts.calls.record(vendor, label, admission.reject.status);
      send(res, admission.reject);
      return;
    }
    if ('release' in admission && admission.release) {
      const release = admission.release;
      let released = false;
      res.on('close', () => {
        if (!released) release();
        released = true;
      });
    }

    const latency = parts.faults.latencyMs(vendor);
    if (latency > 0) await sleep(latency, timers);
    const decision = parts.faults.decide(vendor);
    if (decision.kind === 'reset') {
      parts.calls.record(vendor, label, 'reset');
      req.socket.destroy();
      return;
    }
    let out: SandboxResponse;
    if (decision.kind === 'rateLimit') out = sim.tooManyRequests(decision.policy);
    else if (decision.kind === 'locked') out = sim.locked?.() ?? sim.serverError(503);
    else if (decision.kind === 'forbidden') out = PROXY_FORBIDDEN;
    else if (decision.kind === 'migrating') {
      out = sim.migrating?.(decision.retryAfterSeconds) ?? sim.serverError(503);
    } else if (decision.kind === 'error') out = sim.serverError(decision.status);
    else out = (await route(sim.router, sim, sreq)).out;
    if (decision.kind === 'slow') await sleep(decision.ms, timers);
    parts.calls.record(vendor, label, out.status);
    send(res, out);
  }

  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, { status: 500, body: { error: 'sandbox failure', message: String(err) } });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
