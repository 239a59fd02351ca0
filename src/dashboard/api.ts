import express, { Router, type Response } from 'express';
import type { App } from '../app.ts';
import { snapshot } from '../run/follow.ts';
import {
  ActionError,
  describeZodError,
  cancelRun,
  retryFailedRun,
  startRunBody,
  startRunFromRequest,
} from './actions.ts';
import { refuseWhenReadOnly } from './guards.ts';
import { runJson } from './run-data.ts';

const MAX_LISTED = 500;

function sendActionError(res: Response, err: unknown): void {
  if (!(err instanceof ActionError)) throw err;
  res.status(err.status).json({ error: err.message });
}

/** The JSON API: list and read runs, start a run, retry a run's failures. */
export function apiRouter(app: App, readOnly: boolean): Router {
  const router = Router();
  router.use(express.json({ limit: '20kb' }));

  router.get('/runs', async (req, res) => {
    const limit = Math.min(MAX_LISTED, Math.max(1, Number(req.query.limit) || 50));
    const runs = await app.store.listRuns(limit);
    const snaps = await Promise.all(runs.map((r) => snapshot(app.store, r.id)));
    res.json({ runs: snaps.filter((s) => s !== null).map(runJson) });
  });

  router.get('/runs/:id', async (req, res) => {
    const s = await snapshot(app.store, req.params.id);
    if (!s) {
      res.status(404).json({ error: `Run ${req.params.id} does not exist (or its data expired).` });
      return;
    }
    res.json(runJson(s));
  });

  router.post('/runs', refuseWhenReadOnly(readOnly), async (req, res) => {
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'Send a JSON body with Content-Type: application/json.' });
      return;
    }
    const parsed = startRunBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: `Invalid request: ${describeZodError(parsed.error)}` });
      return;
    }
    try {
      const run = await startRunFromRequest(app, parsed.data);
      res.status(202).location(`/api/runs/${run.id}`).json({ runId: run.id });
    } catch (err) {
      sendActionError(res, err);
    }
  });

  router.post('/runs/:id/cancel', refuseWhenReadOnly(readOnly), async (req, res) => {
    try {
      const run = await cancelRun(app, String(req.params.id));
      res.status(202).json({ runId: run.id, cancelRequested: run.cancelRequested });
    } catch (err) {
      sendActionError(res, err);
    }
  });

  router.post('/runs/:id/retry-failed', refuseWhenReadOnly(readOnly), async (req, res) => {
    try {
      const run = await retryFailedRun(app, String(req.params.id));
      res.status(202).location(`/api/runs/${run.id}`).json({ runId: run.id });
    } catch (err) {
      sendActionError(res, err);
    }
  });

  return router;
}
