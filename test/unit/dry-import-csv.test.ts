import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { csvRows } from '../../src/connectors/hubspot/dry-imports.ts';
import { csvLine } from '../../src/workers/import-csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'esp-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(rows: string[][]): Promise<string[][]> {
  const path = join(dir, `f${Math.random()}.csv`);
  writeFileSync(path, rows.map(csvLine).join(''));
  const out: string[][] = [];
  for await (const row of csvRows(path)) out.push(row);
  return out;
}

describe('a dry run reads back the import files the import step wrote', () => {
  it.each([
    [
      'plain cells',
      [
        ['email', 'firstname'],
        ['a@example.com', 'Ann'],
      ],
    ],
    [
      'commas, quotes and line breaks in a cell',
      [
        ['email', 'note'],
        ['b@example.com', 'one, "two"\r\nthree'],
      ],
    ],
    [
      'empty cells',
      [
        ['email', 'city', 'zip'],
        ['c@example.com', '', ''],
      ],
    ],
    [
      'a lone quote and unicode',
      [
        ['email', 'name'],
        ['d@example.com', 'O"Brien Åsa ✓'],
      ],
    ],
  ])('%s', async (_name, rows) => {
    expect(await roundTrip(rows)).toEqual(rows);
  });
});
