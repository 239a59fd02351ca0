/**
 * A dry run is no run for the metrics and alerts, also when one of its jobs fails for good on an error the job
 * itself does not stop the run for (here HubSpot answering 5xx until the job's attempts are used up): the run
 * ends failed, and neither the run totals of /metrics nor an alert hear of it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readRunTotals } from '../../src/monitoring/run-totals.ts';
import { dryStatePrefix } from '../../src/workers/dry-run.ts';
import { StackPool, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
afterEach(() => pool.closeAll());

describe('a dry run that fails', () => {
  it('adds nothing to the run totals and sends no alert', async () => {
    const alerts: string[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        alerts.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    pool.onClose(() => new Promise<void>((resolve) => hook.close(() => resolve())));
    const { port } = hook.address() as AddressInfo;
    const stack = await pool.open({
      sandbox: {
        seed: 5,
        limits: false,
        dataset: { mailchimp: { audiences: 1, membersPerAudience: 20 }, constantContact: { contacts: 0 } },
        faults: { hubspot: { errorRate: 1 } },
      },
      env: { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` },
    });
    const done = await stack.run({ sources: ['mailchimp'], dryRun: true });
    expect(done.run.dryRun).toBe(true);
    expect(done.run.status).toBe('failed');
    // Metrics and alerts are told before the run's release job drops its copy of the cross-run state.
    const copied = `${dryStatePrefix(stack.config.queuePrefix, done.run.id)}:copied`;
    await waitFor(
      'the dry run to be released',
      async () => (await stack.app.redis.exists(copied)) === 0,
      30_000,
    );
    const totals = await readRunTotals(stack.app.redis, stack.config.queuePrefix);
    expect(totals.runsByStatus).toEqual({});
    expect(alerts).toEqual([]);
  }, 120_000);
});
