/**
 * Real worker processes (`node src/cli/main.ts worker`) and a private redis-server with append-only
 * persistence, for the crash and restart scenarios. Every process started here is stopped by its own handle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

/** Options that make a killed worker's jobs available again within seconds instead of a minute. */
export const FAST_STALL_ARGS = ['--lock-duration', '4000', '--stalled-interval', '1500'];

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote (JSON log lines on stdout, errors on stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnWorker(env: Record<string, string>, args: string[] = FAST_STALL_ARGS): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker', ...args], {
    // A temporary cwd, so a developer's .env cannot change what the test runs against.
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    output: () => out,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Resolves once the worker logged that it started (it is then taking jobs). */
export async function workerReady(worker: WorkerProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!worker.output().includes('workers started')) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
    if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** `redis-cli shutdown`: the AOF is flushed, the server exits. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its data directory. */
  destroy(): Promise<void>;
}

async function run(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

async function waitForPing(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { out } = await run('redis-cli', ['-p', String(port), 'ping']);
    if (out.includes('PONG') === up) return;
    if (Date.now() > deadline) throw new Error(`redis on ${port} is ${up ? 'not up' : 'still up'}`);
    await sleep(100);
  }
}

/** A redis-server of our own, configured like docker-compose's (append-only file), on a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'));
  let server: ChildProcess | null = null;
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''],
      { stdio: 'ignore' },
    );
    await waitForPing(port, true);
  };
  const shutdown = async () => {
    const exited = server ? new Promise((resolve) => server!.once('exit', resolve)) : Promise.resolve();
    await run('redis-cli', ['-p', String(port), 'shutdown']);
    await exited;
    server = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    shutdown,
    start,
    async destroy() {
      if (server) await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
