/**
 * Mailchimp's `fields` / `exclude_fields`: CSV lists of dot paths ("members.email_address,_links") applied to
 * the response, reaching into arrays of objects.
 */
type PathTree = Map<string, PathTree | true>;

function buildTree(csv: string): PathTree {
  const root: PathTree = new Map();
  for (const path of csv
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    let node = root;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node.set(part, true);
        return;
      }
      let next = node.get(part);
      if (next === true) return;
      if (!next) {
        next = new Map();
        node.set(part, next);
      }
      node = next;
    });
  }
  return root;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function pick(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((v) => pick(v, tree));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!(key in value)) continue;
    out[key] = sub === true ? value[key] : pick(value[key], sub);
  }
  return out;
}

function omit(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((v) => omit(v, tree));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = tree.get(key);
    if (sub === true) continue;
    out[key] = sub ? omit(v, sub) : v;
  }
  return out;
}

/** Applies `fields` then `exclude_fields` from the query, when present. */
export function project(body: unknown, query: URLSearchParams): unknown {
  const fields = query.get('fields');
  const exclude = query.get('exclude_fields');
  let out = body;
  if (fields) out = pick(out, buildTree(fields));
  if (exclude) out = omit(out, buildTree(exclude));
  return out;
}
