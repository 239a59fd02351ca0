/**
 * An import whose row errors name no line (HubSpot's error pages may leave lineNumber out): any row of that file
 * may be one HubSpot refused, so none of them may be remembered as written, or no later sync would write it
 * again. The run moves no watermark and keeps no fingerprint for those rows; the next sync writes them.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { HubSpotImportsPort } from '../../src/core/ports.ts';
import { WatermarkStore } from '../../src/run/watermarks.ts';
import { openConsentStack } from './helpers/consent-stack.ts';
import { StackPool, rowsOf } from './helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('import mode, row errors without a line number', () => {
  it('remembers none of the file as written, so the next sync writes every row of it again', async () => {
    const c = await openConsentStack(pool, 92);
    const { app, config } = c.stack;
    c.hooks.current = (real) => {
      const imports = real.imports!;
      const hooked: HubSpotImportsPort = {
        startImport: (input) => imports.startImport(input),
        findImport: (name) => imports.findImport(name),
        readImport: (id) => imports.readImport(id),
        importErrors: async (id, after) => {
          const page = await imports.importErrors(id, after);
          if (after) return page;
          const unplaced = {
            lineNumber: null,
            errorType: 'UNKNOWN_ERROR',
            message: null,
            invalidValue: null,
          };
          return { ...page, errors: [...page.errors, unplaced] };
        },
      };
      return { imports: hooked };
    };

    const first = await c.run({ sources: ['mailchimp'], mode: 'import' });
    expect(first.run.notices.join('\n')).toMatch(/without a line number: its rows count as written/);
    const rows = [...(await rowsOf(app.store, first.run.id)).values()];
    const written = rows.filter((r) => r.outcome === 'created' || r.outcome === 'updated');
    expect(written.length).toBeGreaterThan(20);
    // No fingerprint for any of them (subscribed ones included), and no watermark moved.
    expect((await c.ledger.lastWrites(written.map((r) => r.key))).size).toBe(0);
    expect(await new WatermarkStore(app.redis, config.queuePrefix).all()).toEqual({});

    c.hooks.current = () => ({});
    const next = await c.run({ sources: ['mailchimp'], kind: 'sync' });
    const again = await rowsOf(app.store, next.run.id);
    const rewritten = written.filter((r) => ['created', 'updated'].includes(again.get(r.key)?.outcome ?? ''));
    expect(rewritten.map((r) => r.key)).toEqual(written.map((r) => r.key));
  }, 120_000);
});
