/**
 * Bad arguments and bad configuration end in one clear line on stderr and exit code 2, without echoing secrets.
 * Each case spawns the real CLI in an empty temporary directory (so no .env applies) with a minimal
 * environment; every case fails before any network or Redis connection.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_COLUMNS } from '../../src/run/report.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'cli-errors-'));

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Valid values for everything a migration of both sources needs (nothing is contacted in these tests). */
const VALID_ENV = {
  HUBSPOT_ACCESS_TOKEN: 'test-hubspot-token',
  MAILCHIMP_API_KEY: 'testkey-us6',
  CONSTANT_CONTACT_CLIENT_ID: 'client-id',
  CONSTANT_CONTACT_CLIENT_SECRET: 'client-secret',
  // Nothing listens here: a case that wrongly got as far as Redis fails fast with exit 3, not 2.
  REDIS_URL: 'redis://127.0.0.1:1',
};

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Non-empty stderr lines. */
  lines: string[];
}

function cli(args: string[], env: Record<string, string> = VALID_ENV): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr, lines: stderr.split('\n').filter((l) => l.trim() !== '') });
      },
    );
  });
}

describe('esp-sync: bad arguments and bad configuration', () => {
  it('an empty HUBSPOT_ACCESS_TOKEN: one line naming it, exit 2', async () => {
    const r = await cli(['migrate', '--source', 'mailchimp'], { ...VALID_ENV, HUBSPOT_ACCESS_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('HUBSPOT_ACCESS_TOKEN');
  });

  it('a source that does not exist: exit 2, naming the value and the choices', async () => {
    const r = await cli(['migrate', '--source', 'nonsense']);
    expect(r.code).toBe(2);
    expect(r.lines[0]).toContain('nonsense');
    expect(r.lines[0]).toMatch(/mailchimp.*constant-contact.*all/);
    expect(r.lines.length).toBeLessThanOrEqual(2);
  });

  it('a --mode that does not exist, or an invalid IMPORT_MARKETABLE: one line naming it, exit 2', async () => {
    const mode = await cli(['migrate', '--source', 'all', '--mode', 'bulk']);
    expect(mode.code).toBe(2);
    expect(mode.lines).toHaveLength(1);
    expect(mode.lines[0]).toMatch(/--mode must be batch, import or auto \(got "bulk"\)/);
    const marketable = await cli(['migrate', '--source', 'all'], { ...VALID_ENV, IMPORT_MARKETABLE: 'all' });
    expect(marketable.code).toBe(2);
    expect(marketable.lines).toHaveLength(1);
    expect(marketable.lines[0]).toContain('IMPORT_MARKETABLE');
  });

  it('HUBSPOT_RATE_LIMIT=abc: one line naming it, exit 2', async () => {
    const r = await cli(['migrate', '--source', 'all'], { ...VALID_ENV, HUBSPOT_RATE_LIMIT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('HUBSPOT_RATE_LIMIT');
  });

  it('an invalid Mailchimp key is named but never echoed', async () => {
    const r = await cli(['migrate', '--source', 'mailchimp'], {
      ...VALID_ENV,
      MAILCHIMP_API_KEY: 'secretvalue-bad',
    });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('MAILCHIMP_API_KEY');
    expect(r.stdout + r.stderr).not.toContain('secretvalue');
  });

  it('a REDIS_URL with a password and the wrong scheme is named, the password never echoed', async () => {
    const r = await cli(['migrate', '--source', 'mailchimp'], {
      ...VALID_ENV,
      REDIS_URL: 'http://default:hunter2-very-secret@redis.internal:6379',
    });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('REDIS_URL');
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('a Constant Contact client id without its secret: one line naming the missing variable', async () => {
    const r = await cli(['migrate', '--source', 'constant-contact'], {
      ...VALID_ENV,
      CONSTANT_CONTACT_CLIENT_SECRET: '',
    });
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('CONSTANT_CONTACT_CLIENT_SECRET');
  });

  it('worker options that are not positive numbers: one line naming the option, exit 2', async () => {
    for (const option of ['--concurrency', '--lock-duration', '--stalled-interval', '--shutdown-grace']) {
      const r = await cli(['worker', option, 'soon']);
      expect(r.code).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toContain(option);
    }
  });

  it('an unknown command: exit 2', async () => {
    const r = await cli(['migrat']);
    expect(r.code).toBe(2);
    expect(r.lines[0]).toContain('migrat');
  });

  it('--help lists every command and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of [
      'worker',
      'migrate',
      'sync',
      'schedule',
      'status',
      'runs',
      'report',
      'retry-failed',
      'auth',
      'sandbox',
      'dashboard',
      'demo',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('worker --help documents the crash-recovery and shutdown options', async () => {
    const r = await cli(['worker', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--lock-duration', '--stalled-interval', '--shutdown-grace']) {
      expect(r.stdout).toContain(option);
    }
  });

  it('--help mentions .env and every exit code', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('.env');
    for (const code of ['0', '1', '2', '3']) expect(r.stdout).toMatch(new RegExp(`^\\s+${code}\\s+\\S`, 'm'));
  });

  it('status --help explains its argument without pointing back at itself', async () => {
    const r = await cli(['status', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('see `esp-sync status`');
    expect(r.stdout).toContain('esp-sync runs');
  });

  it('report --help lists the columns the report really has', async () => {
    const r = await cli(['report', '--help']);
    expect(r.code).toBe(0);
    // Commander wraps the description to the terminal's width.
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(REPORT_COLUMNS.join(', '));
  });

  it('Redis that does not answer: the URL it tried, password masked, exit 3', async () => {
    const r = await cli(['status'], {
      ...VALID_ENV,
      REDIS_URL: 'redis://app:hunter2-very-secret@127.0.0.1:1/2',
    });
    expect(r.code).toBe(3);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('Redis does not answer at redis://app:***@127.0.0.1:1/2');
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('--version prints the version and exits 0', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
