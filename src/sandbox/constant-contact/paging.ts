import type { SandboxRequest, SandboxResponse } from '../kit.ts';
import { invalidParam } from './errors.ts';

/**
 * Cursor paging as CC does it: the cursor carries the original query and the next position, and
 * `_links.next.href` is path-relative ("/v3/contacts?cursor=…"). Clients follow href and never rebuild it.
 */
export interface PageRequest {
  query: URLSearchParams;
  offset: number;
  limit: number;
}

export function readPage(
  req: SandboxRequest,
  limits: { max: number; fallback: number },
): PageRequest | SandboxResponse {
  let query = req.query;
  let offset = 0;
  const cursor = req.query.get('cursor');
  if (cursor !== null) {
    const decoded = new URLSearchParams(Buffer.from(cursor, 'base64url').toString('utf8'));
    const next = Number(decoded.get('next'));
    if (!Number.isInteger(next) || next < 0) return invalidParam('cursor', 'not a cursor this API issued');
    decoded.delete('next');
    query = decoded;
    offset = next;
  }
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? limits.fallback : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max) {
    return invalidParam('limit', `must be an integer from 1 to ${limits.max}`);
  }
  return { query, offset, limit };
}

export function nextLink(path: string, page: PageRequest, total: number): { next?: { href: string } } {
  const next = page.offset + page.limit;
  if (next >= total) return {};
  const q = new URLSearchParams(page.query);
  q.set('next', String(next));
  return { next: { href: `${path}?cursor=${Buffer.from(q.toString()).toString('base64url')}` } };
}
