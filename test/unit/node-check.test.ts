/**
 * The entry point checks the Node version before it loads any TypeScript: on an older Node it prints one line
 * saying what to do and exits 2, instead of ERR_UNKNOWN_FILE_EXTENSION and a stack trace.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from '../../bin/node-check.js';

const BIN = fileURLToPath(new URL('../../bin/esp-sync.js', import.meta.url));

describe('nodeVersionProblem', () => {
  it.each(['20.20.2', 'v22.12.0', '23.11.1', '0.12.18'])(
    '%s is too old, and the line says what to do',
    (v) => {
      const problem = nodeVersionProblem(v);
      expect(problem).toContain(`node ${v}`);
      expect(problem).toContain('. scripts/use-node24.sh');
      expect(problem).toContain('install Node.js 24');
      expect(problem).not.toContain('\n');
    },
  );

  it.each(['24.0.0', '24.22.3', 'v25.1.0', '30.0.0'])('%s is new enough', (v) => {
    expect(nodeVersionProblem(v)).toBeNull();
  });

  it('a version it cannot read is treated as too old', () => {
    expect(nodeVersionProblem('unknown')).toContain('Node.js 24');
  });
});

/** Every distinct node binary on this machine: this one, the PATH's, and the usual system places. */
function nodeBinaries(): { path: string; version: string }[] {
  const candidates = new Set([process.execPath, '/usr/bin/node', '/usr/local/bin/node']);
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.add(`${dir}/node`);
  const byVersion = new Map<string, string>();
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (!byVersion.has(version)) byVersion.set(version, path);
  }
  return [...byVersion].map(([version, path]) => ({ path, version }));
}

describe('bin/esp-sync.js with each node binary on this machine', () => {
  // Always includes the Node running this test; on a machine with an older system node it covers that too.
  it.each(nodeBinaries())('node $version ($path)', ({ path, version }) => {
    const r = spawnSync(path, [BIN, '--version'], { encoding: 'utf8', timeout: 20_000 });
    const expected = nodeVersionProblem(version);
    if (expected === null) {
      expect({ code: r.status, stdout: r.stdout.trim() }).toEqual({
        code: 0,
        stdout: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    } else {
      expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 2, stderr: `${expected}\n` });
    }
  });
});
