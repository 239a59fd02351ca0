/**
 * npm run bench — measures the worker against the local sandbox with HubSpot's real rate-limit ceiling:
 *   1. full migration: contacts/s, HubSpot requests per 10 s against the ceiling, peak RSS;
 *   2. incremental re-sync after 1% of members changed: HubSpot calls as a share of the full migration's.
 * Options (env): BENCH_MEMBERS (default 20000), BENCH_RATE_LIMIT (default 190), REDIS_URL.
 * Results: a table on stdout and bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startLocalStack } from '../src/demo/local-stack.ts';

const members = Number(process.env.BENCH_MEMBERS ?? 20000);
const rateLimit = Number(process.env.BENCH_RATE_LIMIT ?? 190);
const prefix = `bench-${Date.now()}`;

function hubspotCalls(
  counts: ReturnType<Awaited<ReturnType<typeof startLocalStack>>['sandbox']['callCounts']>,
) {
  return counts.hubspot.calls;
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

const stack = await startLocalStack({
  queuePrefix: prefix,
  sandbox: {
    seed: 42,
    dataset: {
      seed: 42,
      mailchimp: { audiences: 1, membersPerAudience: members },
      constantContact: { contacts: 0 },
      hubspotPreexisting: { contacts: 0 },
    },
    hubspot: { rateLimitPer10s: rateLimit },
  },
  env: { HUBSPOT_RATE_LIMIT: String(rateLimit), WORKER_CONCURRENCY: '8' },
});

try {
  // Warm-up: nothing. The first run is the full migration.
  stack.sandbox.resetCallCounts();
  const started = Date.now();
  // HubSpot calls seen by the sandbox, once a second: the busiest and the typical rolling 10 s window.
  const perSecond: number[] = [];
  const callSampler = setInterval(() => perSecond.push(hubspotCalls(stack.sandbox.callCounts())), 1000);
  const full = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
  clearInterval(callSampler);
  const fullSeconds = (Date.now() - started) / 1000;
  const windowsOf10s = perSecond.slice(10).map((total, i) => total - (perSecond[i] ?? 0));
  const busiestWindow = Math.max(0, ...windowsOf10s);
  const sortedWindows = [...windowsOf10s].sort((a, b) => a - b);
  const medianWindow = sortedWindows[Math.floor(sortedWindows.length / 2)] ?? 0;
  const fullCounts = stack.sandbox.callCounts();
  const fullCalls = hubspotCalls(fullCounts);
  const limited = fullCounts.hubspot.byStatus['429'] ?? 0;

  // Change 1% of the members: half unsubscribe, half get a new first name.
  const listId = stack.sandbox.mailchimp.listIds()[0]!;
  const all = stack.sandbox.mailchimp.members(listId).filter((m) => m.status === 'subscribed');
  const changed = all.slice(0, Math.max(1, Math.round(members * 0.01)));
  changed.forEach((m, i) =>
    stack.sandbox.mailchimp.updateMember(
      listId,
      m.email_address,
      i % 2 === 0 ? { status: 'unsubscribed' } : { merge_fields: { FNAME: `Changed${i}` } },
    ),
  );
  // A sync reads changes strictly before the second it starts in (Mailchimp's filter is second-precise);
  // changes in that very second belong to the next sync.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  stack.sandbox.resetCallCounts();
  const resyncStarted = Date.now();
  const resync = await stack.run({ sources: ['mailchimp'], kind: 'sync' });
  const resyncSeconds = (Date.now() - resyncStarted) / 1000;
  const resyncCalls = hubspotCalls(stack.sandbox.callCounts());

  const results = {
    members,
    rateLimitPer10s: rateLimit,
    full: {
      status: full.run.status,
      seconds: fullSeconds,
      contactsPerSecond: Math.round(full.counts.read / fullSeconds),
      hubspotCalls: fullCalls,
      busiest10sWindow: busiestWindow,
      median10sWindow: medianWindow,
      medianCeilingUsedPercent: Math.round((100 * medianWindow) / rateLimit),
      hubspot429s: limited,
      counts: full.counts,
    },
    resync: {
      status: resync.run.status,
      seconds: resyncSeconds,
      changedMembers: changed.length,
      read: resync.counts.read,
      hubspotCalls: resyncCalls,
      shareOfFullMigrationCallsPercent: Number(((100 * resyncCalls) / fullCalls).toFixed(2)),
      counts: resync.counts,
    },
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
  const rows = [
    ['members', String(members)],
    ['HubSpot rate limit (per 10 s)', String(rateLimit)],
    ['full migration', `${fullSeconds.toFixed(1)} s, ${results.full.contactsPerSecond} contacts/s`],
    ['HubSpot calls (full)', `${fullCalls}, ${limited} × 429`],
    [
      'calls per rolling 10 s',
      `median ${medianWindow} (${results.full.medianCeilingUsedPercent}% of ${rateLimit}), busiest ${busiestWindow}`,
    ],
    [
      're-sync after 1% changed',
      `${resyncSeconds.toFixed(1)} s, read ${resync.counts.read}, ${resyncCalls} HubSpot calls`,
    ],
    ['re-sync calls / full calls', `${results.resync.shareOfFullMigrationCallsPercent}% (target ≤ ~2%)`],
    ['peak RSS', `${results.peakRssMb} MB`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(30)} ${v}\n`);
} finally {
  clearInterval(sampler);
  const redis = stack.app.redis;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await stack.close();
}
