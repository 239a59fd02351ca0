/**
 * Import mode without Redis or HubSpot: CSV rows and their quoting, files split at the row and byte limits
 * with each row's line, the staged records of an address, and HubSpot's row errors mapped back to records.
 */
import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { CsvSplitter, csvLine, type CsvSink } from '../../src/workers/import-csv.ts';
import { mergedProperties, parseStaged, type StagedRecord } from '../../src/workers/import-staging.ts';
import { addRowErrors, writtenFromRow } from '../../src/workers/import-step.ts';
import { settleWritten } from '../../src/workers/write-settle.ts';

function memoryFiles() {
  const files: string[][] = [];
  const open = (part: number): Promise<CsvSink> => {
    files[part] = [];
    return Promise.resolve({
      write: (text) => {
        files[part]!.push(text);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  };
  return { files, open, text: (part: number) => files[part]!.join('') };
}

describe('CSV rows', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180) and ends rows with CRLF', () => {
    expect(csvLine(['a@example.com', 'Smith, Jr.', 'say "hi"', 'two\nlines', ''])).toBe(
      'a@example.com,"Smith, Jr.","say ""hi""","two\nlines",\r\n',
    );
  });
});

describe('CsvSplitter', () => {
  it('starts a new file with the header before a file would pass the row limit; lines count from 2', async () => {
    const m = memoryFiles();
    const splitter = new CsvSplitter(['email', 'firstname'], { maxRows: 2, maxBytes: 1_000 }, m.open, 1);
    const placed = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) placed.push(await splitter.add([`${name}@x.io`, name]));
    const parts = await splitter.close();
    expect(placed).toEqual([
      { part: 0, line: 2 },
      { part: 0, line: 3 },
      { part: 1, line: 2 },
      { part: 1, line: 3 },
      { part: 2, line: 2 },
    ]);
    expect(parts.map((p) => p.rows)).toEqual([2, 2, 1]);
    expect(m.text(0)).toBe('email,firstname\r\na@x.io,a\r\nb@x.io,b\r\n');
    expect(m.text(2)).toBe('email,firstname\r\ne@x.io,e\r\n');
    expect(parts.map((p) => p.bytes)).toEqual([0, 1, 2].map((i) => Buffer.byteLength(m.text(i))));
  });

  it('starts a new file before a file would pass the byte limit, header included', async () => {
    const m = memoryFiles();
    const header = Buffer.byteLength('email\r\n');
    const row = Buffer.byteLength('aaaa@x.io\r\n');
    const splitter = new CsvSplitter(['email'], { maxRows: 100, maxBytes: header + 2 * row }, m.open);
    for (const name of ['aaaa', 'bbbb', 'cccc']) await splitter.add([`${name}@x.io`]);
    const parts = await splitter.close();
    expect(parts.map((p) => [p.rows, p.bytes])).toEqual([
      [2, header + 2 * row],
      [1, header + row],
    ]);
    expect(m.text(1)).toBe('email\r\ncccc@x.io\r\n');
    await expect(
      new CsvSplitter(['email'], { maxRows: 9, maxBytes: 10 }, m.open).add(['much-too-long@x.io']),
    ).rejects.toThrow('more than a file may hold');
  });

  it('writes no file when no row was added', async () => {
    const m = memoryFiles();
    expect(await new CsvSplitter(['email'], { maxRows: 9, maxBytes: 99 }, m.open).close()).toEqual([]);
    expect(m.files).toEqual([]);
  });
});

const contact = (key: string, patch: Partial<SourceContact> = {}): SourceContact => ({
  key,
  source: 'mailchimp',
  sourceId: key,
  email: 'p@example.com',
  sourceStatus: 'subscribed',
  consent: { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'signed up' },
  properties: { firstname: key },
  changedAt: null,
  ...patch,
});
const staged = (record: SourceContact, extra: Partial<StagedRecord> = {}): StagedRecord => ({
  record,
  isOwner: true,
  fingerprint: `fp-${record.key}`,
  known: false,
  ...extra,
});

describe('staged records of one address', () => {
  it('keep each record once, at its last place (a write batch run again), and merge properties in order', () => {
    const a = staged(contact('a', { properties: { firstname: 'A', lastname: 'Old' } }));
    const b = staged(contact('b', { properties: { firstname: 'B' } }));
    const again = parseStaged(JSON.stringify([a, b, { ...a, known: true }]));
    expect(again.map((s) => [s.record.key, s.known])).toEqual([
      ['b', false],
      ['a', true],
    ]);
    expect(mergedProperties([a, b])).toEqual({ firstname: 'B', lastname: 'Old' });
  });
});

describe('row errors mapped back to records', () => {
  it('fails the records of a refused line with HubSpot’s reason (dead letters); the others are written', () => {
    const errors = { byLine: new Map<number, string>(), unplaced: 0 };
    addRowErrors(errors, '4001', [
      {
        lineNumber: 3,
        errorType: 'INVALID_EMAIL',
        message: 'bad@ is not a valid email',
        invalidValue: 'bad@',
      },
      { lineNumber: 3, errorType: 'FAILED_VALIDATION', message: null, invalidValue: null },
      { lineNumber: null, errorType: 'UNKNOWN', message: null, invalidValue: null },
    ]);
    expect(errors.unplaced).toBe(1);
    expect(errors.byLine.get(3)).toBe(
      'HubSpot import 4001 refused the row (INVALID_EMAIL "bad@"): bad@ is not a valid email',
    );

    const optOut = contact('out', {
      email: 'bad@',
      sourceStatus: 'unsubscribed',
      consent: { state: 'optOut', reason: 'unsubscribed' },
    });
    const lines = [
      {
        line: 2,
        staged: [
          staged(contact('new')),
          staged(contact('seen', { email: 'q@example.com' }), { known: true }),
        ],
      },
      { line: 3, staged: [staged(optOut, { optOut: { ok: true } })] },
    ];
    const settled = settleWritten(
      lines.flatMap(({ line, staged: s }) => writtenFromRow(s, errors.byLine.get(line) ?? null)),
    );
    expect(settled.rows.map((r) => [r.key, r.outcome, r.consent])).toEqual([
      ['new', 'created', null],
      ['seen', 'updated', null],
      // The opt-out was written before the import: it stays written even though the row failed.
      ['out', 'failed', 'optedOut'],
    ]);
    expect(settled.rows[2]!.reason).toBe(errors.byLine.get(3));
    expect(settled.dead.map((d) => d.contact?.key)).toEqual(['out']);
    // Subscriptions only for records whose row was imported (the subscribe phase needs the contact).
    expect(settled.candidates.map((c) => c.keys)).toEqual([['new'], ['seen']]);
    expect(settled.written).toBe(2);
  });
});
