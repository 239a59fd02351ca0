import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jobSchemaAccepts } from '../../src/workers/job-schemas.ts';
import { isSourcePageShape, isWriteBatchShape } from '../../src/workers/job-shapes.ts';

/**
 * The hand-written checks may only say yes where the zod schema says yes (a no goes to zod, which decides); and
 * they must say yes to the jobs the tool makes, or they save nothing.
 */
const record = () => ({
  key: 'mailchimp:a:1',
  source: 'mailchimp',
  sourceId: '1',
  email: 'ann@example.com',
  sourceStatus: 'subscribed',
  consent: { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
  properties: { firstname: 'Ann', esp_tags: 'a;b' },
  changedAt: null,
});
const batch = (records: unknown[] = [record()]) => ({
  runId: 'r1',
  ignoreFingerprints: false,
  records,
  signature: 's',
});
const page = (carry?: unknown[]) => ({
  runId: 'r1',
  parent: { id: 'p', queue: 'q' },
  chain: 'mailchimp:a',
  index: 2,
  checkpoint: { source: 'mailchimp', audienceId: 'a' },
  ...(carry ? { carry, carrySignature: 's' } : {}),
});

/** Values that sit on the edges of the schema: lengths, enum members, wrong types, near-objects. */
const edgy = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    'x',
    'ab',
    'abc',
    'r'.repeat(100),
    'r'.repeat(101),
    'mailchimp',
    'constant-contact',
    'Mailchimp',
    'subscribe',
    'none',
    'optOut',
    'optout',
    0,
    -1,
    1.5,
    Number.NaN,
    true,
    [],
    ['a'],
    {},
    { state: 'none' },
    { a: 'b' },
    { a: 1 },
    { a: null },
    Object.create(null) as object,
  ),
  fc.jsonValue(),
);
const recordPaths = (at: readonly (string | number)[]) =>
  [
    [...at],
    [...at, 'key'],
    [...at, 'source'],
    [...at, 'email'],
    [...at, 'consent'],
    [...at, 'consent', 'state'],
    [...at, 'properties'],
    [...at, 'properties', 'firstname'],
    [...at, 'properties', 'other'],
  ] as const;
const batchPaths = [['runId'], ['records'], ...recordPaths(['records', 0])];
const pagePaths = [
  ['runId'],
  ['chain'],
  ['index'],
  ['checkpoint'],
  ['checkpoint', 'source'],
  ['carry'],
  ...recordPaths(['carry', 0]),
];

function setAt(root: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function neverLooser(
  name: string,
  twin: (data: unknown) => boolean,
  make: () => Record<string, unknown>,
  paths: readonly (readonly (string | number)[])[],
): void {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...paths), edgy), { minLength: 1, maxLength: 3 }),
      (edits) => {
        const data = make();
        try {
          for (const [path, value] of edits) setAt(data, path, value);
        } catch {
          return; // an earlier edit removed the parent of this path
        }
        if (twin(data)) expect(jobSchemaAccepts(name, data)).toBe(true);
      },
    ),
    { numRuns: 3000 },
  );
}

describe('isWriteBatchShape', () => {
  it('accepts the batches the tool makes, of 1 to 100 records', () => {
    for (const n of [1, 2, 100]) {
      const data = batch(Array.from({ length: n }, record));
      expect(jobSchemaAccepts('write-batch', data)).toBe(true);
      expect(isWriteBatchShape(data)).toBe(true);
    }
    const optOut = { ...record(), consent: { state: 'optOut', reason: 'unsubscribed' }, properties: {} };
    expect(isWriteBatchShape(batch([optOut]))).toBe(true);
  });

  it('refuses what zod refuses: no records, 101 records, a record without source', () => {
    for (const data of [batch([]), batch(Array.from({ length: 101 }, record)), batch([{ key: 'x' }])]) {
      expect(jobSchemaAccepts('write-batch', data)).toBe(false);
      expect(isWriteBatchShape(data)).toBe(false);
    }
  });

  it('never says yes where the zod schema says no, whatever a field is changed to', () => {
    neverLooser('write-batch', isWriteBatchShape, () => batch([record(), record()]), batchPaths);
  });
});

describe('isSourcePageShape', () => {
  it('accepts the pages the tool makes, with or without up to 200 records carried', () => {
    for (const data of [page(), page([]), page(Array.from({ length: 200 }, record))]) {
      expect(jobSchemaAccepts('source-page', data)).toBe(true);
      expect(isSourcePageShape(data)).toBe(true);
    }
  });

  it('refuses what zod refuses: 201 records carried, a negative or fractional index', () => {
    const tooMany = page(Array.from({ length: 201 }, record));
    for (const data of [tooMany, { ...page(), index: -1 }, { ...page(), index: 1.5 }]) {
      expect(jobSchemaAccepts('source-page', data)).toBe(false);
      expect(isSourcePageShape(data)).toBe(false);
    }
  });

  it('never says yes where the zod schema says no, whatever a field is changed to', () => {
    neverLooser('source-page', isSourcePageShape, () => page([record(), record()]), pagePaths);
  });
});
