import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { App } from '../app.ts';
import { ConfigError, errorMessage } from '../errors/index.ts';
import { apiRouter } from './api.ts';
import { basicAuth, isLoopbackHost, loopbackHostOnly, type BasicCredentials } from './auth.ts';
import { createBoardRouter } from './board.ts';
import { sameOriginOnly } from './guards.ts';
import { healthz, metrics } from './health.ts';
import { LoginThrottle } from './login-throttle.ts';
import { DEFAULT_CSP } from './respond.ts';
import { runsPagesRouter } from './runs-pages.ts';

export interface DashboardOptions {
  app: App;
  port: number;
  host: string;
  /** null only with --no-auth, and then host must be a loopback address. */
  auth: BasicCredentials | null;
  readOnly: boolean;
}

export const BOARD_PATH = '/queues';

function errorHandler(app: App): ErrorRequestHandler {
  return (err, req, res, _next) => {
    app.logger.error({ path: req.path, err: errorMessage(err) }, 'dashboard request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const message = 'The dashboard could not answer (see its log); is Redis reachable?';
    if (req.path.startsWith('/api/')) res.status(500).json({ error: message });
    else res.status(500).type('text/plain').send(`${message}\n`);
  };
}

/**
 * The dashboard's routes. /healthz answers without a login (load balancers probe it without credentials) but
 * then says only ok / not ok; its details need the login. Everything else, /metrics included, sits behind Basic
 * auth when configured: Prometheus scrapes it with `basic_auth` in its scrape config.
 */
export function createDashboardApp(options: Omit<DashboardOptions, 'port' | 'host'>): Express {
  const { app, readOnly } = options;
  const server = express();
  server.disable('x-powered-by');
  server.use((_req, res, next) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': DEFAULT_CSP,
    });
    next();
  });
  if (!options.auth) server.use(loopbackHostOnly());
  // One throttle for every login check, /healthz's included, so no route lets a guesser try passwords freely.
  const login = options.auth ? basicAuth(options.auth, undefined, new LoginThrottle()) : null;
  const health = { brief: healthz(app, false), detailed: healthz(app, true) };
  server.get('/healthz', (req, res, next) => {
    if (!login) return health.detailed(req, res, next);
    if (!req.headers.authorization) return health.brief(req, res, next);
    return login(req, res, () => health.detailed(req, res, next));
  });
  if (login) server.use(login);
  server.use(sameOriginOnly());
  server.get('/metrics', metrics(app));
  const actions = readOnly ? 'none' : app.config.dashboard.actions;
  server.use(BOARD_PATH, createBoardRouter(app.queues, { basePath: BOARD_PATH, actions }));
  server.use('/api', apiRouter(app, readOnly));
  server.use(runsPagesRouter(app, readOnly));
  server.get('/', (_req, res) => res.redirect('/runs'));
  server.use((req, res) => {
    if (req.path.startsWith('/api/')) res.status(404).json({ error: `No route ${req.method} ${req.path}.` });
    else res.status(404).type('text/plain').send('Not found. Try /runs or /queues.\n');
  });
  server.use(errorHandler(app));
  return server;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/** Starts the dashboard on host:port (port 0 picks a free one) and answers its URL once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  if (!options.auth && !isLoopbackHost(options.host)) {
    throw new ConfigError(
      `Without authentication the dashboard only listens on loopback, not on ${options.host}.`,
    );
  }
  const handler = createDashboardApp(options);
  const server = await new Promise<ReturnType<Express['listen']>>((resolve, reject) => {
    const s = handler.listen(options.port, options.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch((err: unknown) => {
    throw new ConfigError(
      `The dashboard cannot listen on ${options.host}:${options.port} (${errorMessage(err)}): pick another --port or --host.`,
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
