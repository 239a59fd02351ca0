/** Test helpers shared by the HubSpot simulator tests. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HubSpotSim } from '../../src/sandbox/hubspot/index.ts';

/** Serves a simulator's router the way the sandbox server does: JSON bodies parsed, unmatched paths → 404. */
export async function serve(getSim: () => HubSpotSim): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: unknown;
        if ((req.headers['content-type'] ?? '').includes('json') && rawBody.length > 0) {
          try {
            body = JSON.parse(rawBody.toString('utf8'));
          } catch {
            body = undefined;
          }
        }
        const sim = getSim();
        const method = req.method ?? 'GET';
        const match = sim.router.match(method, url.pathname);
        const out =
          match === null || match === 'method'
            ? sim.unmatched({ method, path: url.pathname })
            : await match.handler({
                method,
                path: url.pathname,
                query: url.searchParams,
                headers: req.headers,
                rawBody,
                body,
                params: match.params,
              });
        const payload =
          out.body === undefined
            ? undefined
            : typeof out.body === 'string' || Buffer.isBuffer(out.body)
              ? out.body
              : JSON.stringify(out.body);
        res.writeHead(out.status, out.headers ?? {});
        res.end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ApiError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The error a call that must fail rejects with (the SDK's ApiException shape). */
export async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}
