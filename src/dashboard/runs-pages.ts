import express, { Router, type Request, type Response } from 'express';
import type { App } from '../app.ts';
import { snapshot } from '../run/follow.ts';
import { reportLines, type ReportFilter, type ReportFormat } from '../run/report.ts';
import {
  ActionError,
  cancelRun,
  retryFailedRun,
  startRunBody,
  startRunFromRequest,
  startableSources,
} from './actions.ts';
import { refuseWhenReadOnly } from './guards.ts';
import { html, page } from './html.ts';
import { sendPage, writeLine } from './respond.ts';
import { loadRunPage } from './run-data.ts';
import { renderRunPage } from './run-page-view.ts';
import { renderRunsList } from './runs-list-view.ts';
import { differenceLines } from '../verify/run-report.ts';
import { VerifyRunStore } from '../verify/run-store.ts';
import { loadVerifyRunPage, renderVerifyRunPage } from './verify-run-page.ts';

const RUNS_LISTED = 100;
const FILTERS: readonly ReportFilter[] = ['failed', 'skipped', 'optedOut'];

function notFound(res: Response, runId: string): void {
  sendPage(
    res,
    page(
      'Not found',
      html`<h1>Run not found</h1>
        <p>
          Run ${runId} does not exist (or its data expired after the retention time).
          <a href="/runs">All runs</a>
        </p>`,
    ),
    404,
  );
}

async function listPage(app: App, readOnly: boolean, error?: string): Promise<string> {
  const runs = await app.store.listRuns(RUNS_LISTED);
  const snaps = (await Promise.all(runs.map((r) => snapshot(app.store, r.id)))).filter((s) => s !== null);
  return renderRunsList(snaps, {
    readOnly,
    startableSources: startableSources(app.config),
    ...(error ? { error } : {}),
  });
}

async function streamReport(app: App, req: Request, res: Response, format: ReportFormat): Promise<void> {
  const runId = String(req.params.id);
  const run = await app.store.getRun(runId);
  if (!run) return notFound(res, runId);
  const only = run.kind === 'verify' ? undefined : FILTERS.find((f) => f === req.query.only);
  const name = `run-${runId}${only ? `-${only}` : ''}.${format}`;
  res.status(200).type(format === 'csv' ? 'text/csv' : 'application/json');
  res.set('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  const lines =
    run.kind === 'verify'
      ? differenceLines(new VerifyRunStore(app.store), runId, format)
      : reportLines(app.store, runId, format, only);
  for await (const line of lines) {
    if (res.destroyed) return;
    await writeLine(res, line);
  }
  res.end();
}

/** Server-rendered run pages: the list, one page per run, report downloads, and the start/retry forms. */
export function runsPagesRouter(app: App, readOnly: boolean): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '10kb' });

  router.get('/runs', async (_req, res) => sendPage(res, await listPage(app, readOnly)));

  router.post('/runs', refuseWhenReadOnly(readOnly), form, async (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    const parsed = startRunBody.safeParse({
      source: body.source,
      ignoreFingerprints: body.ignoreFingerprints === '1',
      dryRun: body.dryRun === '1',
      kind: body.kind ?? 'migrate',
    });
    try {
      if (!parsed.success) throw new ActionError(400, 'Choose a source: mailchimp, constant-contact or all.');
      const run = await startRunFromRequest(app, parsed.data);
      res.redirect(303, `/runs/${encodeURIComponent(run.id)}`);
    } catch (err) {
      if (!(err instanceof ActionError)) throw err;
      sendPage(res, await listPage(app, readOnly, err.message), err.status);
    }
  });

  router.get('/runs/:id', async (req, res) => {
    const run = await app.store.getRun(req.params.id);
    if (run?.kind === 'verify') {
      return sendPage(res, renderVerifyRunPage(await loadVerifyRunPage(app.store, run), { readOnly }));
    }
    const data = await loadRunPage(app.store, req.params.id);
    if (!data) return notFound(res, req.params.id);
    sendPage(res, renderRunPage(data, { readOnly }));
  });

  router.get('/runs/:id/report.csv', (req, res) => streamReport(app, req, res, 'csv'));
  router.get('/runs/:id/report.json', (req, res) => streamReport(app, req, res, 'json'));

  router.post('/runs/:id/cancel', refuseWhenReadOnly(readOnly), async (req, res) => {
    const runId = String(req.params.id);
    try {
      await cancelRun(app, runId);
      res.redirect(303, `/runs/${encodeURIComponent(runId)}`);
    } catch (err) {
      if (!(err instanceof ActionError)) throw err;
      sendPage(
        res,
        page(
          'Cannot cancel',
          html`<h1>Cannot cancel</h1>
            <p class="error">${err.message}</p>`,
        ),
        err.status,
      );
    }
  });

  router.post('/runs/:id/retry-failed', refuseWhenReadOnly(readOnly), async (req, res) => {
    const runId = String(req.params.id);
    try {
      const run = await retryFailedRun(app, runId);
      res.redirect(303, `/runs/${encodeURIComponent(run.id)}`);
    } catch (err) {
      if (!(err instanceof ActionError)) throw err;
      sendPage(
        res,
        page(
          'Cannot retry',
          html`<h1>Cannot retry</h1>
            <p class="error">${err.message}</p>
            <p><a href="/runs/${encodeURIComponent(runId)}">Back to the run</a></p>`,
        ),
        err.status,
      );
    }
  });

  return router;
}
