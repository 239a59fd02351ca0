/**
 * Imports in a dry run: the import file is read back instead of sent, its contacts go into the plan (so the
 * subscribe phase finds them, as it would after a real import), and the import is answered DONE without row
 * errors. A real import costs one call to start it and at least one to read its state.
 * https://developers.hubspot.com/docs/api/crm/imports
 */
import { createReadStream } from 'node:fs';
import { canonicalEmail } from '../../core/contact.ts';
import type { DryRunPlan, HubSpotImportsPort, ImportStatus } from '../../core/ports.ts';
import { MAX_BATCH_INPUTS } from './contacts.ts';

/** The file's rows as cell arrays (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
export async function* csvRows(path: string): AsyncGenerator<string[]> {
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let afterQuote = false;
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    for (const ch of chunk as string) {
      if (quoted) {
        if (ch === '"') [quoted, afterQuote] = [false, true];
        else cell += ch;
      } else if (ch === '"') {
        // A doubled quote inside a quoted field, or the opening quote.
        if (afterQuote) cell += '"';
        [quoted, afterQuote] = [true, false];
      } else if (ch === ',') {
        row.push(cell);
        [cell, afterQuote] = ['', false];
      } else if (ch === '\n') {
        row.push(cell);
        yield row;
        [row, cell, afterQuote] = [[], '', false];
      } else if (ch !== '\r') {
        cell += ch;
        afterQuote = false;
      }
    }
  }
  if (cell !== '' || row.length > 0) yield [...row, cell];
}

/** `planContacts` puts an import's addresses in the plan: the ones HubSpot does not have yet as new contacts. */
export function dryImports(
  plan: DryRunPlan,
  planContacts: (emails: string[]) => Promise<void>,
): HubSpotImportsPort {
  const imports = new Map<string, ImportStatus>();
  return {
    async startImport(input) {
      const emailAt = input.columns.indexOf('email');
      let rows = 0;
      let batch: string[] = [];
      let header = true;
      for await (const cells of csvRows(input.filePath)) {
        if (header) {
          header = false;
          continue;
        }
        rows++;
        const email = cells[emailAt];
        if (email) batch.push(canonicalEmail(email));
        if (batch.length === MAX_BATCH_INPUTS) {
          await planContacts(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await planContacts(batch);
      await plan.record({ kind: 'calls' }, { import: 2 });
      const status: ImportStatus = {
        id: `planned-import:${input.name}`,
        name: input.name,
        state: 'DONE',
        totalRows: rows,
        written: rows,
        errors: 0,
      };
      imports.set(status.id, status);
      return status;
    },
    findImport: (name) => Promise.resolve(imports.get(`planned-import:${name}`) ?? null),
    readImport: (importId) =>
      Promise.resolve(
        imports.get(importId) ?? {
          id: importId,
          name: null,
          state: 'DONE',
          totalRows: null,
          written: null,
          errors: 0,
        },
      ),
    importErrors: () => Promise.resolve({ errors: [], next: null }),
  };
}
