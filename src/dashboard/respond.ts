import type { Response } from 'express';

/**
 * Every other response (Bull Board's page, its scripts and API, JSON, text): scripts, styles and requests from
 * this origin only. Bull Board sets inline styles and has a <base href>; it loads no fonts once board.ts has
 * removed its CDN link. https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy
 */
export const DEFAULT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Our own pages load nothing from anywhere (inline CSS and SVG only), and say so to the browser. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

export function sendPage(res: Response, htmlText: string, status = 200): void {
  res.status(status).set('Content-Security-Policy', PAGE_CSP).type('html').send(htmlText);
}

/** Waits until the response can take more, so a large report streams with flat memory. */
export async function writeLine(res: Response, line: string): Promise<void> {
  if (!res.write(`${line}\n`)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
}

/** Rejects after ms, so a request cannot hang while Redis is down (our connections queue commands forever). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
