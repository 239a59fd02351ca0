/**
 * Import mode: the import step writes its CSV files again when a first attempt died half-way (a worker killed, a
 * Redis error). Each file's line list must then name each staged address once, at its line in the file on
 * disk, so that row errors settle the right records and every record is settled.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { runKeys } from '../../src/run/keys.ts';
import type { RunInfo } from '../../src/run/types.ts';
import type { WorkerContext } from '../../src/workers/context.ts';
import { ImportFiles } from '../../src/workers/import-files.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefix = testPrefix('import-files');
const runId = 'run-1';
// The import step's keys of the run (src/workers/import-files.ts).
const importBase = `${runKeys(prefix, runId).info}:import`;
let dir = '';
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const contact = (i: number): SourceContact => ({
  key: `mailchimp:a:${i}`,
  source: 'mailchimp',
  sourceId: String(i),
  email: `p${i}@example.com`,
  sourceStatus: 'subscribed',
  consent: { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
  properties: { firstname: `P${i}` },
  changedAt: null,
});

function context(strictestConsent: () => Promise<Map<string, number>>): WorkerContext {
  return {
    redis,
    config: { queuePrefix: prefix, imports: { dir, fileRows: 1_000_000, marketable: 'subscribed' } },
    store: { retentionSeconds: 3600 },
    ledger: { strictestConsent },
  } as unknown as WorkerContext;
}

describe('ImportFiles.writeAll after an attempt that died half-way', () => {
  it('maps each line of each file to its one address, and every staged address to a line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp-import-files-'));
    const count = 1_500;
    const staged = `${importBase}:staged`;
    for (let i = 0; i < count; i += 500) {
      const fields: string[] = [];
      for (let j = i; j < Math.min(i + 500, count); j++) {
        fields.push(
          contact(j).email,
          JSON.stringify([{ record: contact(j), isOwner: true, fingerprint: 'f', known: false }]),
        );
      }
      await redis.hset(staged, ...fields);
    }
    const run = { id: runId } as RunInfo;
    // The first attempt dies on its second chunk of staged addresses (HSCAN answers about 500 at a time).
    let calls = 0;
    const dying = context(() => {
      calls++;
      return calls > 1
        ? Promise.reject(new Error('connection lost'))
        : Promise.resolve(new Map<string, number>());
    });
    await expect(new ImportFiles(dying, runId).writeAll(run)).rejects.toThrow('connection lost');

    const files = await new ImportFiles(
      context(() => Promise.resolve(new Map<string, number>())),
      runId,
    ).writeAll(run);
    const all = new ImportFiles(
      context(() => Promise.resolve(new Map<string, number>())),
      runId,
    );
    const settled = new Set<string>();
    for (const file of files) {
      const csv = (await readFile(all.path(file), 'utf8')).trim().split('\n');
      for await (const chunk of all.lines(file)) {
        for (const { line, staged: records } of chunk) {
          const email = records[0]?.record.email;
          expect(csv[line - 1]?.split(',')[0]).toBe(email);
          settled.add(email!);
        }
      }
      expect(await redis.llen(`${importBase}:lines:${file.id}`)).toBe(file.rows);
    }
    expect(settled.size).toBe(count);
  });
});
