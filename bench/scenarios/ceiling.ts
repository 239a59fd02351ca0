/**
 * Scenario 2 (at the ceiling): a migration from both sources against the sandbox with HubSpot's real limits
 * (Professional/Enterprise 190 per rolling 10 s, or Free/Starter 100), Constant Contact's 4 requests per second
 * and 50 ms latency on every call. The figure: the run's wall time over the least time the rate limit allows for
 * the HubSpot calls it made, and the 429s it met (HubSpot after the first window, Constant Contact at all).
 * The bound is set by the limit, not by the cores, so it holds on a loaded machine as long as the worker keeps up.
 */
import { startLocalStack } from '../../src/demo/local-stack.ts';
import type { BenchRedis } from '../lib/redis-server.ts';

export interface CeilingRun {
  tier: 'enterprise' | 'starter';
  perTenSeconds: number;
  records: number;
  status: string;
  seconds: number;
  hubspotCalls: number;
  /** floor((calls − 1) / limit) × 10 s: the last call cannot go earlier than that after the first. */
  boundSeconds: number;
  /** seconds / boundSeconds (target ≤ 1.03); null when every call fits in the first window (bound 0). */
  ratio: number | null;
  hubspot429sAfterFirstWindow: number;
  hubspot429sInFirstWindow: number;
  constantContact429s: number;
  busiestTenSeconds: number;
}

const WINDOW_MS = 10_000;

export async function runCeilingScenario(
  redis: BenchRedis,
  records: number,
  prefix: string,
  tier: CeilingRun['tier'],
): Promise<CeilingRun> {
  const perTenSeconds = tier === 'starter' ? 100 : 190;
  const perSource = Math.round(records / 2);
  const latency = { latencyMs: 50 };
  const stack = await startLocalStack({
    queuePrefix: prefix,
    redisUrl: redis.url,
    sandbox: {
      seed: 11,
      dataset: {
        seed: 11,
        mailchimp: { audiences: 2, membersPerAudience: Math.round(perSource / 2) },
        constantContact: { contacts: perSource },
        hubspotPreexisting: { contacts: Math.round(records / 20) },
      },
      hubspot: { tier },
      faults: { hubspot: latency, mailchimp: latency, constantContact: latency },
    },
    // HUBSPOT_RATE_LIMIT stays at its default (190): on Starter the worker learns 100 from HubSpot's headers.
    env: { WORKER_CONCURRENCY: '8' },
  });
  // HubSpot calls and 429s, sampled every 250 ms, to find the first window and the busiest one.
  const samples: { at: number; calls: number; limited: number }[] = [];
  const sample = () => {
    const c = stack.sandbox.callCounts().hubspot;
    samples.push({ at: performance.now(), calls: c.calls, limited: c.byStatus['429'] ?? 0 });
  };
  try {
    stack.sandbox.resetCallCounts();
    const timer = setInterval(sample, 250);
    const started = performance.now();
    const done = await stack.run({
      sources: ['mailchimp', 'constant-contact'],
      kind: 'migrate',
      mode: 'batch',
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    sample();
    const counts = stack.sandbox.callCounts();
    const calls = counts.hubspot.calls;
    const firstCall = samples.find((s) => s.calls > 0)?.at ?? started;
    const inFirstWindow = samples.filter((s) => s.at <= firstCall + WINDOW_MS).at(-1)?.limited ?? 0;
    const limited = counts.hubspot.byStatus['429'] ?? 0;
    let busiest = 0;
    for (const s of samples) {
      const before = samples.filter((b) => b.at <= s.at - WINDOW_MS).at(-1)?.calls ?? 0;
      busiest = Math.max(busiest, s.calls - before);
    }
    const boundSeconds = (Math.floor(Math.max(0, calls - 1) / perTenSeconds) * WINDOW_MS) / 1000;
    return {
      tier,
      perTenSeconds,
      records: done.counts.read,
      status: done.run.status,
      seconds,
      hubspotCalls: calls,
      boundSeconds,
      ratio: boundSeconds > 0 ? seconds / boundSeconds : null,
      hubspot429sAfterFirstWindow: limited - inFirstWindow,
      hubspot429sInFirstWindow: inFirstWindow,
      constantContact429s: counts.constantContact.byStatus['429'] ?? 0,
      busiestTenSeconds: busiest,
    };
  } finally {
    await stack.close();
  }
}
