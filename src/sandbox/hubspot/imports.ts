/**
 * Imports API: multipart POST /crm/v3/imports (importRequest JSON + CSV files), processed asynchronously
 * (STARTED → PROCESSING → DONE after importDelayMs), with status and row errors. Contacts only, upsert by email.
 */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { isRecord, isValidEmail, iso, notFound, validationError } from './http.ts';
import { parseCsv, parseMultipart } from './multipart.ts';
import type { ImportJob, ImportRowError } from './state.ts';
import { checkValue } from './values.ts';

interface Mapping {
  column: number;
  propertyName: string;
}

interface ImportPlan {
  operation: 'UPSERT' | 'CREATE' | 'UPDATE';
  header: string[];
  rows: string[][];
  mappings: Mapping[];
  emailColumn: number;
}

const ROW_ERROR_TYPES: Record<string, string> = {
  INVALID_OPTION: 'INVALID_ENUMERATION_OPTION',
  INVALID_NUMBER: 'COULD_NOT_PARSE_NUMBER',
  INVALID_DATE: 'COULD_NOT_PARSE_DATE',
  INVALID_DATETIME: 'COULD_NOT_PARSE_DATE',
  INVALID_EMAIL: 'INVALID_EMAIL',
};

type Planned =
  | { ok: true; plan: ImportPlan; name: string; marketable: boolean; request: unknown }
  | { ok: false; response: SandboxResponse };

const bad = (message: string): Planned => ({ ok: false, response: validationError(message) });

function plan(ctx: SimContext, req: SandboxRequest): Planned {
  const parts = parseMultipart(req.headers['content-type'], req.rawBody);
  if (!parts) return bad('Expected a multipart/form-data body with the parts importRequest and files');
  const requestPart = parts.find((p) => p.name === 'importRequest');
  const files = parts.filter((p) => p.name === 'files');
  if (!requestPart || files.length === 0) {
    return bad('Some required fields were not set: [importRequest, files]');
  }
  let request: unknown;
  try {
    request = JSON.parse(requestPart.data.toString('utf8'));
  } catch {
    return bad('Invalid importRequest: not valid JSON');
  }
  if (!isRecord(request)) return bad('Invalid importRequest: expected an object');
  const operations = request.importOperations;
  const operation = isRecord(operations) ? operations['0-1'] : undefined;
  if (operation !== 'UPSERT' && operation !== 'CREATE' && operation !== 'UPDATE') {
    return bad('importOperations must map "0-1" (contacts) to UPSERT, CREATE or UPDATE');
  }
  if (!Array.isArray(request.files) || request.files.length !== 1 || files.length !== 1) {
    return bad(
      'The sandbox imports exactly one file per request: one "files" part and one importRequest.files entry',
    );
  }
  const fileSpec: unknown = request.files[0];
  const upload = files[0]!;
  if (!isRecord(fileSpec) || fileSpec.fileName !== upload.filename) {
    return bad(
      `importRequest.files[0].fileName must match the uploaded file name (${upload.filename ?? 'none'})`,
    );
  }
  if (fileSpec.fileFormat !== 'CSV') return bad('The sandbox supports fileFormat CSV only');
  const page = fileSpec.fileImportPage;
  if (!isRecord(page) || page.hasHeader !== true || !Array.isArray(page.columnMappings)) {
    return bad('fileImportPage needs hasHeader: true and columnMappings');
  }
  const rows = parseCsv(upload.data.toString('utf8'));
  if (!rows || rows.length === 0) return bad('The CSV file is empty or has an unclosed quote');
  const header = rows[0]!;
  const mappings: Mapping[] = [];
  for (const raw of page.columnMappings) {
    if (!isRecord(raw) || typeof raw.columnName !== 'string') {
      return bad('Every column mapping needs a columnName');
    }
    if (raw.propertyName === undefined || raw.propertyName === null) continue; // an ignored column
    if (typeof raw.propertyName !== 'string') {
      return bad(`Column ${raw.columnName}: propertyName must be a string`);
    }
    if (raw.columnObjectTypeId !== '0-1') {
      return bad(`Column ${raw.columnName}: columnObjectTypeId must be 0-1 (contacts)`);
    }
    const def = ctx.state.properties.get(raw.propertyName);
    if (!def) return bad(`Column ${raw.columnName}: property ${raw.propertyName} does not exist`);
    if (def.readOnlyValue) {
      return bad(
        `Column ${raw.columnName}: ${raw.propertyName} is a read only property; its value cannot be set.`,
      );
    }
    const column = header.indexOf(raw.columnName);
    if (column < 0) return bad(`Column ${raw.columnName} is not in the file header`);
    mappings.push({ column, propertyName: raw.propertyName });
  }
  const email = mappings.find((m) => m.propertyName === 'email');
  if (!email) return bad('A contact import needs a column mapped to email to match records');
  return {
    ok: true,
    plan: { operation, header, rows: rows.slice(1), mappings, emailColumn: email.column },
    name: typeof request.name === 'string' ? request.name : 'Sandbox import',
    marketable: request.marketableContactImport === true,
    request,
  };
}

function rowError(
  job: ImportJob,
  at: number,
  line: number,
  row: string[],
  errorType: string,
  message: string,
  extra: Partial<ImportRowError> = {},
): void {
  job.errors.push({
    id: `${job.id}-${job.errors.length + 1}`,
    createdAt: at,
    errorType,
    errorMessage: message,
    lineNumber: line,
    rowData: row,
    ...extra,
  });
}

/** Writes one row; returns 'created', 'updated' or null after recording the row's error. */
function importRow(
  ctx: SimContext,
  job: ImportJob,
  p: ImportPlan,
  row: string[],
  line: number,
): 'created' | 'updated' | null {
  const at = ctx.now();
  if (row.length !== p.header.length) {
    rowError(
      job,
      at,
      line,
      row,
      'INCORRECT_NUMBER_OF_COLUMNS',
      `Expected ${p.header.length} columns, found ${row.length}`,
    );
    return null;
  }
  const email = (row[p.emailColumn] ?? '').trim().toLowerCase();
  if (!isValidEmail(email)) {
    rowError(job, at, line, row, 'INVALID_EMAIL', `${email} is not a valid email`, {
      invalidValue: email,
      knownColumnNumber: p.emailColumn + 1,
    });
    return null;
  }
  const properties: Record<string, string> = {};
  for (const m of p.mappings) {
    const value = (row[m.column] ?? '').trim();
    if (value === '' || m.propertyName === 'email') continue;
    const problem = checkValue(ctx.state.properties.get(m.propertyName)!, value);
    if (problem) {
      const type = ROW_ERROR_TYPES[problem.error] ?? 'FAILED_VALIDATION';
      rowError(job, at, line, row, type, problem.message, {
        invalidValue: value,
        knownColumnNumber: m.column + 1,
      });
      return null;
    }
    properties[m.propertyName] = value;
  }
  const existing = ctx.state.contactByEmail(email);
  if (existing && p.operation === 'CREATE') {
    rowError(job, at, line, row, 'CREATE_ONLY_IMPORT', `A contact with email ${email} already exists`);
    return null;
  }
  if (!existing && p.operation === 'UPDATE') {
    rowError(job, at, line, row, 'UPDATE_ONLY_IMPORT', `No contact with email ${email}`);
    return null;
  }
  if (existing) {
    ctx.state.updateContact(existing, properties);
    if (job.marketable) ctx.state.setSystemProperty(existing, 'hs_marketable_status', 'true');
    return 'updated';
  }
  ctx.state.createContact({ ...properties, email, hs_marketable_status: job.marketable ? 'true' : 'false' });
  return 'created';
}

function runImport(ctx: SimContext, job: ImportJob, p: ImportPlan): void {
  const seenRows = new Set<string>();
  const counters = {
    TOTAL_ROWS: p.rows.length,
    CREATED_OBJECTS: 0,
    UPDATED_OBJECTS: 0,
    UNIQUE_OBJECTS_WRITTEN: 0,
    ERRORS: 0,
  };
  for (const [i, row] of p.rows.entries()) {
    const line = i + 2;
    const key = JSON.stringify(row);
    if (seenRows.has(key)) {
      rowError(job, ctx.now(), line, row, 'DUPLICATE_ROW_CONTENT', 'This row is identical to an earlier row');
      continue;
    }
    seenRows.add(key);
    const outcome = importRow(ctx, job, p, row, line);
    if (outcome === 'created') counters.CREATED_OBJECTS++;
    if (outcome === 'updated') counters.UPDATED_OBJECTS++;
  }
  counters.UNIQUE_OBJECTS_WRITTEN = counters.CREATED_OBJECTS + counters.UPDATED_OBJECTS;
  counters.ERRORS = job.errors.length;
  job.counters = counters;
  job.state = 'DONE';
  job.updatedAt = ctx.now();
}

function later(ctx: SimContext, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    fn();
  }, ms);
  timer.unref();
  ctx.timers.add(timer);
}

function importJson(job: ImportJob): Record<string, unknown> {
  return {
    id: job.id,
    state: job.state,
    importName: job.name,
    importSource: 'API',
    optOutImport: false,
    mappedObjectTypeIds: ['0-1'],
    importRequestJson: job.request,
    metadata: { objectLists: [], fileIds: [job.id], counters: job.counters },
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
}

function handleCreate(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const planned = plan(ctx, req);
  if (!planned.ok) return planned.response;
  const at = ctx.now();
  const job: ImportJob = {
    id: ctx.state.newImportId(),
    name: planned.name,
    state: 'STARTED',
    createdAt: at,
    updatedAt: at,
    request: planned.request,
    marketable: planned.marketable,
    counters: {},
    errors: [],
  };
  ctx.state.imports.set(job.id, job);
  const half = Math.max(0, Math.floor(ctx.options().importDelayMs / 2));
  later(ctx, half, () => {
    job.state = 'PROCESSING';
    job.updatedAt = ctx.now();
    later(ctx, half, () => runImport(ctx, job, planned.plan));
  });
  return json(200, importJson(job));
}

function handleErrors(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const job = ctx.state.imports.get(req.params.importId ?? '');
  if (!job) return notFound(`Import ${req.params.importId} does not exist`);
  const limit = Math.min(Number(req.query.get('limit') ?? 100) || 100, 500);
  const after = Number(req.query.get('after') ?? 0) || 0;
  const withMessage = req.query.get('includeErrorMessage') === 'true';
  const withRow = req.query.get('includeRowData') === 'true';
  const page = job.errors.slice(after, after + limit).map((e) => ({
    id: e.id,
    createdAt: e.createdAt,
    errorType: e.errorType,
    objectType: 'CONTACT',
    objectTypeId: '0-1',
    ...(e.invalidValue !== undefined ? { invalidValue: e.invalidValue } : {}),
    ...(e.knownColumnNumber !== undefined ? { knownColumnNumber: e.knownColumnNumber } : {}),
    ...(withMessage ? { errorMessage: e.errorMessage } : {}),
    sourceData: {
      lineNumber: e.lineNumber,
      containsEncryptedProperties: false,
      fileId: Number(job.id),
      rowData: withRow ? e.rowData : [],
    },
  }));
  const more = after + limit < job.errors.length;
  return json(200, {
    results: page,
    ...(more ? { paging: { next: { after: String(after + limit) } } } : {}),
  });
}

export function addImportRoutes(router: Router, ctx: SimContext): void {
  const scope = 'crm.import';
  addRoute(router, ctx, {
    method: 'POST',
    path: '/crm/v3/imports',
    scope,
    handle: (req) => handleCreate(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/imports',
    scope,
    handle: () => json(200, { results: [...ctx.state.imports.values()].map(importJson) }),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/imports/:importId/errors',
    scope,
    handle: (req) => handleErrors(ctx, req),
  });
  addRoute(router, ctx, {
    method: 'GET',
    path: '/crm/v3/imports/:importId',
    scope,
    handle: (req) => {
      const job = ctx.state.imports.get(req.params.importId ?? '');
      return job ? json(200, importJson(job)) : notFound(`Import ${req.params.importId} does not exist`);
    },
  });
}
