/**
 * A worker in a process of its own (`esp-sync worker`), configured through the environment like a real one, so
 * its CPU time and memory are measured apart from the sandbox and the benchmark. Figures come from /proc
 * (Linux): utime + stime for CPU, VmRSS and VmHWM (peak resident set) for memory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts');
/** The Node options the Docker image runs a worker with (Dockerfile ENTRYPOINT), so the figures are the image's. */
const NODE_ARGS = ['--max-semi-space-size=4', '--heap-growing-percent=100'];
/**
 * The image fills Node's compile cache when it is built (Dockerfile), so its workers start without compiling
 * TypeScript; the benchmark's workers get one of their own, filled once in the same way, or each would carry the
 * type stripper (about 25 MB resident) that a worker of the image does not load. Node keeps the cache per set of
 * V8 flags, so it is filled with NODE_ARGS.
 */
let compileCache: string | null = null;
function filledCompileCache(): string {
  if (compileCache) return compileCache;
  const dir = mkdtempSync(join(tmpdir(), 'esp-sync-bench-compile-cache-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync(process.execPath, [...NODE_ARGS, CLI, '--help'], {
    env: { ...process.env, NODE_COMPILE_CACHE: dir },
    stdio: 'ignore',
  });
  compileCache = dir;
  return dir;
}
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100;

export interface WorkerProcess {
  pid: number;
  /** CPU time (user + system) the process has used so far, in µs; null where /proc is missing. */
  cpuMicros(): number | null;
  /** Resident set now and its peak since the process started, in bytes; null where /proc is missing. */
  memory(): { rssBytes: number; peakRssBytes: number } | null;
  stop(): Promise<void>;
}

function procStatus(pid: number): Map<string, string> | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return new Map(
      text.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
  } catch {
    return null;
  }
}

function kbToBytes(value: string | undefined): number {
  return Number(/^(\d+)/.exec(value ?? '')?.[1] ?? 0) * 1024;
}

export async function startWorkerProcess(
  env: Record<string, string>,
  concurrency: number,
): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...NODE_ARGS, CLI, 'worker', '--concurrency', String(concurrency)],
    {
      env: { ...process.env, ...env, NODE_COMPILE_CACHE: filledCompileCache(), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const started = new Promise<void>((resolveStarted, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('workers started')) resolveStarted();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`the worker exited (${code}) before it started:\n${output}`)),
    );
  });
  await started;
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  const pid = child.pid ?? 0;
  return {
    pid,
    cpuMicros() {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces) start at state: utime and stime are 12th, 13th.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        return (ticks * 1_000_000) / TICKS_PER_SECOND;
      } catch {
        return null;
      }
    },
    memory() {
      const status = procStatus(pid);
      if (!status) return null;
      return { rssBytes: kbToBytes(status.get('VmRSS')), peakRssBytes: kbToBytes(status.get('VmHWM')) };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
