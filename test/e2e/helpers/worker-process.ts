/** `esp-sync worker` as a real child process, the way an operator runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { snapshot, type RunSnapshot } from '../../../src/run/follow.ts';
import type { RunStore } from '../../../src/run/store.ts';
import { waitFor } from './stack.ts';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** What the process printed (logs at LOG_LEVEL=warn and above), for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | string | null>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnWorker(env: Record<string, string>, args: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [MAIN, 'worker', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return {
    child,
    output: () => out,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

const ENDED = ['completed', 'completed_with_errors', 'failed'];

/** Waits until the run ends while this worker works it, and returns its final snapshot. */
export async function runEndsUnder(
  worker: WorkerProcess,
  store: RunStore,
  runId: string,
  timeoutMs: number,
): Promise<RunSnapshot> {
  let done: RunSnapshot | null = null;
  await waitFor(
    `the run to finish after the restart (worker output: ${worker.output().slice(-500)})`,
    async () => {
      done = await snapshot(store, runId);
      return done !== null && ENDED.includes(done.run.status);
    },
    timeoutMs,
  );
  return done!;
}
