import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { resolveAuth } from '../../dashboard/auth.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/server.ts';
import { errorMessage, RuntimeError } from '../../errors/index.ts';
import { createAlerter } from '../../monitoring/alerts.ts';
import { startNoWorkerWatch } from '../../monitoring/no-worker-watch.ts';
import { parsePositiveInt } from '../shared.ts';

interface DashboardCommandOptions {
  port: string;
  host: string;
  /** false with --no-auth */
  auth: boolean;
}

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('Serve the queue dashboard (Bull Board), run pages, the JSON API, /healthz and /metrics')
    .option('--port <port>', 'port to listen on', '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-auth', 'serve without DASHBOARD_USER / DASHBOARD_PASSWORD (loopback only)')
    .action(async (opts: DashboardCommandOptions) => {
      const config = loadConfig();
      const auth = resolveAuth(config.dashboard, { noAuth: !opts.auth, host: opts.host });
      const port = parsePositiveInt(opts.port, '--port');
      const app = await createApp(config);
      let dashboard: RunningDashboard;
      try {
        dashboard = await startDashboard({
          app,
          port,
          host: opts.host,
          auth,
          readOnly: config.dashboard.readOnly,
        });
      } catch (err) {
        // Options were checked above, so what is left is the environment (a port in use, an address not here).
        // Redis and the queues are open: close them, or the process would stay alive without serving anything.
        await app.close();
        throw new RuntimeError(errorMessage(err));
      }
      // The dashboard is the long-lived process that can notice when no worker runs at all.
      const stopWatch = startNoWorkerWatch({
        queues: Object.values(app.queues.byName),
        alerter: createAlerter({ webhookUrl: config.alerts.webhookUrl, logger: app.logger }),
        thresholdSeconds: config.alerts.noWorkerSeconds,
        logger: app.logger,
      });
      app.logger.info(
        { url: dashboard.url, auth: auth ? 'basic' : 'none', readOnly: config.dashboard.readOnly },
        `dashboard on ${dashboard.url} (runs at /runs, queues at /queues); stop with Ctrl-C`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      stopWatch();
      await dashboard.close();
      await app.close();
    });
}
