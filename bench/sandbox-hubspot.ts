/**
 * How many contacts per second the HubSpot simulator upserts with limits off (the target is ≥10,000/s),
 * through a real loopback HTTP server. Usage: node bench/sandbox-hubspot.ts [requests=300] [concurrency=10]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHubSpotSim } from '../src/sandbox/hubspot/index.ts';

const requests = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 10);
const sim = createHubSpotSim({ accessTokens: ['bench'], rateLimitPer10s: 0, dailyLimit: 0 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawBody = Buffer.concat(chunks);
      const match = sim.router.match(req.method ?? 'GET', url.pathname);
      const out =
        match && match !== 'method'
          ? await match.handler({
              method: req.method ?? 'GET',
              path: url.pathname,
              query: url.searchParams,
              headers: req.headers,
              rawBody,
              body: JSON.parse(rawBody.toString('utf8')) as unknown,
              params: match.params,
            })
          : sim.unmatched({ method: req.method ?? 'GET', path: url.pathname });
      res.writeHead(out.status, out.headers ?? {});
      res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
    })();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

let next = 0;
async function worker(): Promise<void> {
  while (next < requests) {
    const n = next++;
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: `bench${n}-${i}@example.com`,
      idProperty: 'email',
      objectWriteTraceId: String(i),
      properties: { firstname: `F${i}`, lastname: `L${n}` },
    }));
    const res = await fetch(`http://127.0.0.1:${port}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    if (res.status !== 200) throw new Error(`upsert answered ${res.status}`);
    await res.arrayBuffer();
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = (performance.now() - started) / 1000;
const contacts = sim.snapshot().contacts.length;
console.log(`${contacts} contacts in ${seconds.toFixed(2)} s: ${Math.round(contacts / seconds)} contacts/s`);
server.close();
