/** Local stacks for end-to-end tests: each on its own queue prefix, every key deleted when the test is done. */
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../src/demo/local-stack.ts';
import type { RunStore } from '../../../src/run/store.ts';
import type { RecordRow } from '../../../src/run/types.ts';
import { deletePrefix, newRedis, testPrefix } from '../../helpers/redis.ts';

/** Tracks what a test file opened, so afterEach can close it even when an assertion failed midway. */
export class StackPool {
  private readonly stacks: LocalStack[] = [];
  private readonly prefixes = new Set<string>();
  private readonly closers: (() => Promise<void>)[] = [];

  prefix(name: string): string {
    const p = testPrefix(name);
    this.prefixes.add(p);
    return p;
  }

  async open(
    options: Omit<LocalStackOptions, 'queuePrefix'> & { queuePrefix?: string },
  ): Promise<LocalStack> {
    const queuePrefix = options.queuePrefix ?? this.prefix('e2e');
    this.prefixes.add(queuePrefix);
    const stack = await startLocalStack({ ...options, queuePrefix });
    this.stacks.push(stack);
    return stack;
  }

  /** Something else to close at the end (a sandbox shared by two stacks, a child process). */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async closeStack(stack: LocalStack): Promise<void> {
    const i = this.stacks.indexOf(stack);
    if (i >= 0) this.stacks.splice(i, 1);
    await stack.close();
  }

  async closeAll(): Promise<void> {
    const stacks = this.stacks.splice(0);
    await Promise.all(stacks.map((s) => s.close()));
    for (const fn of this.closers.splice(0)) await fn();
    const redis = newRedis();
    try {
      for (const p of this.prefixes) await deletePrefix(redis, p);
    } finally {
      this.prefixes.clear();
      redis.disconnect();
    }
  }
}

/** Every report row of a run, by record key. */
export async function rowsOf(store: RunStore, runId: string): Promise<Map<string, RecordRow>> {
  const out = new Map<string, RecordRow>();
  for await (const chunk of store.scanRows(runId)) for (const r of chunk) out.set(r.key, r);
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the check passes or the time is up (then throws with the description). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
