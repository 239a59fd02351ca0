/**
 * The rows of one import, written through the same checks and writes as the batch upsert by email (so an
 * import leaves a contact exactly as an upsert of the same properties would), with HubSpot's row errors.
 * An import never touches subscription statuses or opt-outs: those columns are refused as read-only when the
 * import is planned. https://developers.hubspot.com/docs/api/crm/imports
 */
import type { SimContext } from './context.ts';
import { checkInput, write } from './contacts.ts';
import { isValidEmail } from './http.ts';
import type { ImportJob, ImportRowError } from './state.ts';

export interface Mapping {
  column: number;
  propertyName: string;
}

export interface ImportPlan {
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
  DUPLICATE_UNIQUE_PROPERTY_VALUE: 'DUPLICATE_UNIQUE_PROPERTY_VALUE',
};

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
    const message = `Expected ${p.header.length} columns, found ${row.length}`;
    rowError(job, at, line, row, 'INCORRECT_NUMBER_OF_COLUMNS', message);
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
  // A blank cell leaves the property as it is: imports do not clear values.
  const properties: Record<string, string> = {};
  for (const m of p.mappings) {
    const value = (row[m.column] ?? '').trim();
    if (value !== '' && m.propertyName !== 'email') properties[m.propertyName] = value;
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
  const input = { index: 0, id: email, properties, traceId: undefined };
  const checked = checkInput(ctx, 'upsert', 'email', input, new Map());
  if (checked.problem) {
    const first = checked.problem.kind === 'validation' ? checked.problem.errors[0] : undefined;
    const type = first ? (ROW_ERROR_TYPES[first.error] ?? 'FAILED_VALIDATION') : 'FAILED_VALIDATION';
    const column = first ? p.mappings.find((m) => m.propertyName === first.name)?.column : undefined;
    rowError(job, at, line, row, type, first?.message ?? `Row refused (${checked.problem.kind})`, {
      ...(first && column !== undefined
        ? { invalidValue: row[column] ?? '', knownColumnNumber: column + 1 }
        : {}),
    });
    return null;
  }
  const { contact, created } = write(ctx, 'upsert', 'email', checked);
  // Only an import sets the marketing contact status; a non-marketing import never lowers it.
  // https://knowledge.hubspot.com/records/set-contacts-as-marketing
  if (job.marketable) ctx.state.setSystemProperty(contact, 'hs_marketable_status', 'true');
  return created ? 'created' : 'updated';
}

/** Processes every row of an import and ends it DONE with HubSpot's counters. */
export function runImport(ctx: SimContext, job: ImportJob, p: ImportPlan): void {
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
