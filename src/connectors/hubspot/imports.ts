/**
 * HubSpot's CRM imports for contacts: one CSV file per import, upserted by email.
 * https://developers.hubspot.com/docs/api/crm/imports
 *
 * - `POST /crm/v3/imports` is multipart: a part `importRequest` (JSON text: name, importOperations
 *   {"0-1": "UPSERT"}, marketableContactImport, files[{fileName, fileFormat, fileImportPage{hasHeader,
 *   columnMappings}}]) and a part `files` with the file. The file is handed to fetch as a Blob backed by the
 *   file on disk (fs.openAsBlob), so it is streamed, never read into memory.
 * - Starting an import is not harmless to repeat (a second import of the same rows), so it is sent once; an
 *   unclear outcome (a timeout) is settled by looking the import up by its name in `GET /crm/v3/imports`.
 * - `GET /crm/v3/imports/{importId}` tells the state (STARTED, PROCESSING, DONE, FAILED, CANCELED, DEFERRED,
 *   REVERTED) and, in metadata.counters, the rows and objects so far; `GET …/{importId}/errors` lists the rows
 *   HubSpot could not import (INVALID_EMAIL, …) with their line in the file.
 */
import { openAsBlob } from 'node:fs';
import { z } from 'zod';
import type { ImportRowError, ImportStart, ImportState, ImportStatus } from '../../core/ports.ts';
import { ConfigError, RuntimeError } from '../../errors/index.ts';
import { list as lenientList, optional } from '../lenient.ts';
import type { HubSpotTransport } from './client.ts';
import { scopeError, type HubSpotRejection } from './errors.ts';
import type { Endpoint } from './versions.ts';

const SCOPE = 'crm.import';
const STATES: readonly string[] = [
  'STARTED',
  'PROCESSING',
  'DONE',
  'FAILED',
  'CANCELED',
  'DEFERRED',
  'REVERTED',
] satisfies ImportState[];
/** How many pages of the account's imports are searched for one of ours (newest first). */
const FIND_PAGES = 5;

const stringish = z.union([z.string(), z.number()]).transform(String);
const counters = z.record(z.string(), z.number());

const importSchema = z.looseObject({
  id: stringish,
  state: optional(z.string()),
  importName: optional(z.string()),
  metadata: optional(z.looseObject({ counters: optional(counters) })),
});
const importListSchema = z.looseObject({
  results: lenientList(importSchema),
  paging: optional(z.looseObject({ next: optional(z.looseObject({ after: optional(stringish) })) })),
});
const errorSchema = z.looseObject({
  errorType: optional(z.string()),
  errorMessage: optional(z.string()),
  invalidValue: optional(stringish),
  sourceData: optional(z.looseObject({ lineNumber: optional(z.number()) })),
});
const errorPageSchema = z.looseObject({
  results: lenientList(errorSchema),
  paging: optional(z.looseObject({ next: optional(z.looseObject({ after: optional(stringish) })) })),
});

const paths = {
  create: (): Endpoint => ({ method: 'POST', path: '/crm/v3/imports', label: 'POST /crm/v3/imports' }),
  list: (): Endpoint => ({ method: 'GET', path: '/crm/v3/imports', label: 'GET /crm/v3/imports' }),
  one: (id: string): Endpoint => ({
    method: 'GET',
    path: `/crm/v3/imports/${encodeURIComponent(id)}`,
    label: 'GET /crm/v3/imports/{importId}',
  }),
  errors: (id: string): Endpoint => ({
    method: 'GET',
    path: `/crm/v3/imports/${encodeURIComponent(id)}/errors`,
    label: 'GET /crm/v3/imports/{importId}/errors',
  }),
};

export interface ImportsDeps {
  transport: HubSpotTransport;
}

function statusOf(raw: z.infer<typeof importSchema>): ImportStatus {
  const c = raw.metadata?.counters ?? {};
  const state = raw.state?.toUpperCase() ?? '';
  return {
    id: raw.id,
    name: raw.importName ?? null,
    state: STATES.includes(state) ? (state as ImportState) : 'UNKNOWN',
    totalRows: c.TOTAL_ROWS ?? null,
    written: c.UNIQUE_OBJECTS_WRITTEN ?? c.CREATED_OBJECTS ?? null,
    errors: c.ERRORS ?? null,
  };
}

function refused(rejection: HubSpotRejection, action: string): Error {
  if (rejection.status === 403 || rejection.status === 401) return scopeError(rejection, action, SCOPE);
  if (rejection.status === 400) {
    // The request itself is wrong (a column HubSpot has no property for): sending it again cannot help.
    return new ConfigError(
      `HubSpot refused to ${action} (400): ${rejection.message}. Check the contact properties the import maps, ` +
        'or migrate with --mode batch.',
    );
  }
  return new RuntimeError(`HubSpot refused to ${action} (${rejection.status}): ${rejection.message}`);
}

/** The importRequest part: every column mapped to the contact property of the same name. */
export function importRequest(input: ImportStart): Record<string, unknown> {
  return {
    name: input.name,
    importOperations: { '0-1': 'UPSERT' },
    marketableContactImport: input.marketable,
    files: [
      {
        fileName: input.fileName,
        fileFormat: 'CSV',
        fileImportPage: {
          hasHeader: true,
          columnMappings: input.columns.map((column) => ({
            columnObjectTypeId: '0-1',
            columnName: column,
            propertyName: column,
          })),
        },
      },
    ],
  };
}

export async function startImport(deps: ImportsDeps, input: ImportStart): Promise<ImportStatus> {
  const form = new FormData();
  form.append('importRequest', JSON.stringify(importRequest(input)));
  form.append('files', await openAsBlob(input.filePath, { type: 'text/csv' }), input.fileName);
  const reply = await deps.transport.request({
    endpoint: paths.create(),
    form,
    once: true,
    schema: importSchema,
    passThrough: [400, 401, 403],
  });
  if (!reply.ok) throw refused(reply.rejection, `start the import "${input.name}"`);
  return { ...statusOf(reply.body), name: reply.body.importName ?? input.name };
}

export async function findImport(deps: ImportsDeps, name: string): Promise<ImportStatus | null> {
  let after: string | undefined;
  for (let page = 0; page < FIND_PAGES; page++) {
    const reply = await deps.transport.request({
      endpoint: paths.list(),
      ...(after ? { qs: { after } } : {}),
      schema: importListSchema,
      passThrough: [401, 403],
    });
    if (!reply.ok) throw refused(reply.rejection, 'list the imports');
    const found = reply.body.results.find((r) => r.importName === name);
    if (found) return statusOf(found);
    after = reply.body.paging?.next?.after;
    if (!after) return null;
  }
  return null;
}

export async function readImport(deps: ImportsDeps, importId: string): Promise<ImportStatus> {
  const reply = await deps.transport.request({
    endpoint: paths.one(importId),
    schema: importSchema,
    passThrough: [401, 403, 404],
  });
  if (!reply.ok) throw refused(reply.rejection, `read the import ${importId}`);
  return statusOf(reply.body);
}

export async function importErrors(
  deps: ImportsDeps,
  importId: string,
  after?: string,
): Promise<{ errors: ImportRowError[]; next: string | null }> {
  const reply = await deps.transport.request({
    endpoint: paths.errors(importId),
    qs: { limit: '500', includeErrorMessage: 'true', ...(after ? { after } : {}) },
    schema: errorPageSchema,
    passThrough: [401, 403, 404],
  });
  if (!reply.ok) throw refused(reply.rejection, `read the errors of the import ${importId}`);
  return {
    errors: reply.body.results.map((e) => ({
      lineNumber: e.sourceData?.lineNumber ?? null,
      errorType: e.errorType ?? 'UNKNOWN',
      message: e.errorMessage ?? null,
      invalidValue: e.invalidValue ?? null,
    })),
    next: reply.body.paging?.next?.after ?? null,
  };
}
