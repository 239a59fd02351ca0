/** Answers with one optional field, in turn, null and then absent. */

export type Json = Record<string, unknown>;

/** The body with the field at a dot path (array indices allowed) set to null, or removed. */
export function variant(body: Json, path: string, how: 'null' | 'absent'): Json {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (how === 'null') target[last] = null;
  else delete target[last];
  return copy;
}

export const cases = (body: Json, paths: string[]) =>
  paths.flatMap((path) =>
    (['null', 'absent'] as const).map((how) => ({ path, how, body: variant(body, path, how) })),
  );
