/**
 * Imports API: multipart POST /crm/v3/imports (importRequest JSON + CSV files), processed asynchronously
 * (STARTED → PROCESSING → DONE after importDelayMs), with status and row errors. Contacts only, upsert by email.
 * At most 3 imports run at once; the others wait DEFERRED until one ends. A file over the row or size limit is
 * refused with 429. https://developers.hubspot.com/docs/api/crm/imports
 * https://knowledge.hubspot.com/crm-setup/import-frequently-asked-questions
 */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { hsError, isRecord, iso, notFound, validationError } from './http.ts';
import { parseCsv, parseMultipart } from './multipart.ts';
import { runImport, type ImportPlan, type Mapping } from './import-rows.ts';
import type { ImportJob } from './state.ts';

type Planned =
  | { ok: true; plan: ImportPlan; name: string; marketable: boolean; request: unknown }
  | { ok: false; response: SandboxResponse };

const bad = (message: string): Planned => ({ ok: false, response: validationError(message) });
// HubSpot answers a file over its limits with 429 (not a rate limit: the same file never passes).
const tooLarge = (message: string): Planned => ({
  ok: false,
  response: hsError(429, 'IMPORT_FILE_TOO_LARGE', message),
});

/** HubSpot runs at most this many imports of an account at once. */
const MAX_RUNNING = 3;
const isRunning = (job: ImportJob) => job.state === 'STARTED' || job.state === 'PROCESSING';
/** Plans of the imports not processed yet, by import id. */
const plans = new WeakMap<ImportJob, ImportPlan>();

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
  const limits = ctx.options();
  if (upload.data.length > limits.importMaxBytes) {
    return tooLarge(
      `The file is ${upload.data.length} bytes; an import file may hold ${limits.importMaxBytes}`,
    );
  }
  const rows = parseCsv(upload.data.toString('utf8'));
  if (!rows || rows.length === 0) return bad('The CSV file is empty or has an unclosed quote');
  if (rows.length > limits.importMaxRows) {
    return tooLarge(`The file has ${rows.length} rows; an import file may hold ${limits.importMaxRows}`);
  }
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

function later(ctx: SimContext, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    fn();
  }, ms);
  timer.unref();
  ctx.timers.add(timer);
}

/** STARTED, PROCESSING after half the delay, DONE after the rest; then the oldest deferred import starts. */
function process(ctx: SimContext, job: ImportJob): void {
  const half = Math.max(0, Math.floor(ctx.options().importDelayMs / 2));
  job.state = 'STARTED';
  job.updatedAt = ctx.now();
  later(ctx, half, () => {
    job.state = 'PROCESSING';
    job.updatedAt = ctx.now();
    later(ctx, half, () => {
      const plan = plans.get(job);
      plans.delete(job);
      if (plan) runImport(ctx, job, plan);
      const next = [...ctx.state.imports.values()].find((j) => j.state === 'DEFERRED');
      if (next) process(ctx, next);
    });
  });
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
  const running = [...ctx.state.imports.values()].filter(isRunning).length;
  ctx.state.imports.set(job.id, job);
  plans.set(job, planned.plan);
  if (running >= MAX_RUNNING) job.state = 'DEFERRED';
  else process(ctx, job);
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
