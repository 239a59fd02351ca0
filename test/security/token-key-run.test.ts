/**
 * A worker given the wrong ESP_SYNC_ENCRYPTION_KEY: the run fails once with a message naming the variable
 * (no retry loop, no crash), and the stored token is left for the right key (sandbox, real Redis, workers).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ccTokenKeys } from '../../src/connectors/constant-contact/token-store.ts';
import { generateEncryptionKey } from '../../src/lib/crypto.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { StackPool } from '../e2e/helpers/stack.ts';

const pool = new StackPool();
afterAll(() => pool.closeAll());

describe('Constant Contact tokens under the wrong key', () => {
  it('fail the run with a clear message and keep the stored token', async () => {
    const sandbox = await startSandbox({
      seed: 5,
      limits: false,
      dataset: {
        seed: 5,
        mailchimp: { audiences: 1, membersPerAudience: 5 },
        constantContact: { contacts: 20 },
      },
    });
    pool.onClose(() => sandbox.close());
    const queuePrefix = pool.prefix('wrong-key');
    const right = await pool.open({ existingSandbox: sandbox, queuePrefix });
    const first = await right.run({ sources: ['constant-contact'] });
    expect(first.run.status).toBe('completed');
    const stored = await right.app.redis.get(ccTokenKeys(queuePrefix).refreshToken);
    expect(stored).toMatch(/^esp1:/);
    await pool.closeStack(right);

    const wrong = await pool.open({
      existingSandbox: sandbox,
      queuePrefix,
      env: { ESP_SYNC_ENCRYPTION_KEY: generateEncryptionKey() },
    });
    const second = await wrong.run({ sources: ['constant-contact'], ignoreFingerprints: true });
    expect(second.run.status).toBe('failed');
    expect(second.run.error).toMatch(/ESP_SYNC_ENCRYPTION_KEY \(key [0-9a-f]{8}\) cannot open/);
    expect(await wrong.app.redis.get(ccTokenKeys(queuePrefix).refreshToken)).toBe(stored);
  }, 60_000);
});
