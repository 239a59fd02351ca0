/** Runs the esp-sync CLI as a separate process, the way a user does, in a temporary folder (no .env applies). */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '../../../src/demo/local-stack.ts';
import { generateDataset } from '../../../src/sandbox/index.ts';
import type { StackPool } from './stack.ts';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What the process printed so far. */
  output(): { stdout: string; stderr: string };
  /** Settles when the process exits (it is SIGKILLed after killAfterMs). */
  done: Promise<CliResult>;
}

/** Starts the CLI with only PATH and `env` in its environment. */
export function spawnCli(args: string[], env: Record<string, string>, killAfterMs = 60_000): RunningCli {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'esp-cli-')),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return spawnCli(args, env).done;
}

/**
 * A Mailchimp-only local stack (Constant Contact not configured) and the environment a CLI process needs to
 * reach it: the sandbox's variables, the stack's Redis and queue prefix, quiet logs.
 */
export async function openCliStack(
  pool: StackPool,
  options: { seed: number; members: number; workers?: false },
): Promise<{ stack: LocalStack; env: Record<string, string> }> {
  const dataset = generateDataset({
    seed: options.seed,
    mailchimp: { audiences: 1, membersPerAudience: options.members },
    constantContact: { contacts: 0 },
    hubspotPreexisting: { contacts: 0 },
  });
  const stack = await pool.open({
    sandbox: { seed: options.seed, limits: false, dataset },
    ...(options.workers === false ? { workers: false as const } : {}),
    env: { CONSTANT_CONTACT_CLIENT_ID: '', CONSTANT_CONTACT_CLIENT_SECRET: '' },
  });
  const {
    CONSTANT_CONTACT_CLIENT_ID: _id,
    CONSTANT_CONTACT_CLIENT_SECRET: _secret,
    ...sandboxEnv
  } = stack.sandbox.env;
  const env = {
    ...sandboxEnv,
    REDIS_URL: stack.config.redisUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    LOG_LEVEL: 'silent',
  };
  return { stack, env };
}
