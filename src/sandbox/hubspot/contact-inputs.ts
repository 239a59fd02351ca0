/**
 * Parsing and validating the inputs of the contact batch endpoints. Everything here runs before anything is
 * written, so a request HubSpot would reject as a whole leaves the portal untouched.
 */
import type { SandboxResponse } from '../kit.ts';
import {
  hsError,
  isRecord,
  isValidEmail,
  requiredFieldsMissing,
  standardError,
  validationError,
} from './http.ts';
import type { Contact, PortalState } from './state.ts';
import {
  checkValue,
  doesNotExist,
  invalidEmail,
  notUnique,
  propertyValuesMessage,
  readOnly,
} from './values.ts';
import type { PropertyValueError } from './values.ts';

export const MAX_BATCH_INPUTS = 100;

export type BatchKind = 'upsert' | 'create' | 'update' | 'read';

export interface WriteInput {
  index: number;
  id: string | undefined;
  properties: Record<string, string>;
  traceId: string | undefined;
}

/** 'email', 'hs_object_id' or a custom property with hasUniqueValue. */
export type IdProperty = string;

export type InputProblem =
  | { kind: 'validation'; errors: PropertyValueError[] }
  | { kind: 'notFound'; id: string }
  | { kind: 'conflict'; existingId: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: SandboxResponse };

const fail = (response: SandboxResponse): { ok: false; response: SandboxResponse } => ({
  ok: false,
  response,
});

/** The `inputs` array, 1–100 entries. */
export function inputsOf(body: unknown): Parsed<unknown[]> {
  if (!isRecord(body) || !('inputs' in body)) return fail(requiredFieldsMissing(['inputs']));
  const { inputs } = body;
  if (!Array.isArray(inputs)) return fail(validationError('Invalid input JSON: "inputs" must be an array'));
  if (inputs.length === 0) {
    return fail(validationError('Invalid input: "inputs" must contain at least 1 input'));
  }
  if (inputs.length > MAX_BATCH_INPUTS) {
    return fail(
      validationError(`Batch input size ${inputs.length} exceeds the limit of ${MAX_BATCH_INPUTS} inputs`, {
        context: { limit: [String(MAX_BATCH_INPUTS)] },
      }),
    );
  }
  return { ok: true, value: inputs };
}

/** Shape checks HubSpot's JSON binding makes: these fail the whole request, trace ids or not. */
export function parseWriteInputs(inputs: unknown[], kind: BatchKind): Parsed<WriteInput[]> {
  const out: WriteInput[] = [];
  for (const [index, raw] of inputs.entries()) {
    if (!isRecord(raw)) {
      return fail(validationError(`Invalid input JSON: inputs[${index}] must be an object`));
    }
    const { id, properties, objectWriteTraceId } = raw;
    if (kind !== 'create' && typeof id !== 'string') {
      return fail(requiredFieldsMissing([`inputs[${index}].id`]));
    }
    if (!isRecord(properties)) return fail(requiredFieldsMissing([`inputs[${index}].properties`]));
    for (const [name, value] of Object.entries(properties)) {
      if (typeof value !== 'string') {
        return fail(
          validationError(
            `Invalid input JSON: inputs[${index}].properties.${name} must be a string (HubSpot property values are strings), got ${value === null ? 'null' : typeof value}`,
          ),
        );
      }
    }
    if (objectWriteTraceId !== undefined && typeof objectWriteTraceId !== 'string') {
      return fail(
        validationError(`Invalid input JSON: inputs[${index}].objectWriteTraceId must be a string`),
      );
    }
    out.push({
      index,
      id: typeof id === 'string' ? id : undefined,
      properties: properties as Record<string, string>,
      traceId: objectWriteTraceId,
    });
  }
  return { ok: true, value: out };
}

/** The property an upsert/update/read matches on; HubSpot refuses a property whose values are not unique. */
export function resolveIdProperty(state: PortalState, raw: unknown): Parsed<IdProperty> {
  if (raw === undefined || raw === null || raw === 'hs_object_id') return { ok: true, value: 'hs_object_id' };
  if (typeof raw !== 'string') {
    return fail(validationError('Invalid input JSON: idProperty must be a string'));
  }
  if (raw === 'email') return { ok: true, value: 'email' };
  const def = state.properties.get(raw);
  if (!def) return fail(validationError(propertyValuesMessage([doesNotExist(raw)])));
  if (!def.hasUniqueValue) {
    return fail(validationError(`Unable to perform update/upsert by non-unique 0-1 property ${raw}`));
  }
  return { ok: true, value: raw };
}

export const idKey = (idProperty: IdProperty, id: string): string =>
  idProperty === 'email' ? id.trim().toLowerCase() : id;

/** HubSpot's 400 for a repeated id, trace ids or not. */
export function duplicateIds(ids: string[]): SandboxResponse {
  return validationError(`Duplicate IDs found in batch input: [${ids.join(', ')}]. IDs must be unique`, {
    context: { ids },
  });
}

export function findDuplicates(inputs: WriteInput[], idProperty: IdProperty): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const input of inputs) {
    if (input.id === undefined) continue;
    const key = idKey(idProperty, input.id);
    if (seen.has(key)) dupes.add(key);
    seen.add(key);
  }
  return [...dupes];
}

export function findContact(state: PortalState, idProperty: IdProperty, id: string): Contact | undefined {
  if (idProperty === 'email') return state.contactByEmail(id);
  if (idProperty === 'hs_object_id') return state.contactById(id);
  return state.contactByUnique(idProperty, id);
}

/**
 * Property-level problems of one input against the portal and against earlier inputs of the same batch
 * (`claims`: unique values already taken in this batch).
 */
export function propertyProblems(
  state: PortalState,
  properties: Record<string, string>,
  target: Contact | undefined,
  claims: Map<string, number>,
  index: number,
): PropertyValueError[] {
  const errors: PropertyValueError[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const def = state.properties.get(name);
    if (!def) {
      errors.push(doesNotExist(name));
      continue;
    }
    if (def.readOnlyValue) {
      errors.push(readOnly(name));
      continue;
    }
    const bad = checkValue(def, value);
    if (bad) {
      errors.push(bad);
      continue;
    }
    if ((def.hasUniqueValue || name === 'email') && value !== '') {
      const key = name === 'email' ? value.toLowerCase() : value;
      const owner = name === 'email' ? state.contactByEmail(key) : state.contactByUnique(name, key);
      const claim = `${name}\u0000${key}`;
      const claimedBy = claims.get(claim);
      if (owner && owner.id !== target?.id) errors.push(notUnique(name, value, owner.id));
      else if (claimedBy !== undefined && claimedBy !== index) {
        errors.push(notUnique(name, value, `in inputs[${claimedBy}]`));
      } else claims.set(claim, index);
    }
  }
  return errors;
}

export function invalidIdEmail(id: string): PropertyValueError | null {
  return isValidEmail(id) ? null : invalidEmail(id);
}

const NOT_FOUND_MESSAGE =
  'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.';

function problemMessage(problem: InputProblem): { category: string; message: string; status: number } {
  switch (problem.kind) {
    case 'notFound':
      return { category: 'OBJECT_NOT_FOUND', message: NOT_FOUND_MESSAGE, status: 400 };
    case 'conflict':
      return {
        category: 'CONFLICT',
        message: `Contact already exists. Existing ID: ${problem.existingId}`,
        status: 409,
      };
    case 'validation': {
      const onlyEmail = problem.errors.length === 1 && problem.errors[0]!.error === 'INVALID_EMAIL';
      const message = onlyEmail ? problem.errors[0]!.message : propertyValuesMessage(problem.errors);
      return { category: 'VALIDATION_ERROR', message, status: 400 };
    }
  }
}

/** The whole-request error HubSpot answers when inputs fail and not every input has a unique trace id. */
export function wholeRequestError(problem: InputProblem): SandboxResponse {
  const { category, message, status } = problemMessage(problem);
  const context = problem.kind === 'notFound' ? { ids: [problem.id] } : undefined;
  return hsError(status, category, message, context ? { context } : {});
}

/** One `errors[]` entry of a 207, matched to its input by `context.objectWriteTraceId`. */
export function perInputError(problem: InputProblem, traceId: string): Record<string, unknown> {
  const { category, message } = problemMessage(problem);
  const context: Record<string, string[]> = { objectWriteTraceId: [traceId] };
  if (problem.kind === 'notFound') context.ids = [problem.id];
  return standardError(category, message, context);
}

/** Partial success (207) is available only when every input carries a distinct objectWriteTraceId. */
export function allTraceIdsUnique(inputs: WriteInput[]): boolean {
  const seen = new Set<string>();
  for (const input of inputs) {
    if (input.traceId === undefined || input.traceId === '' || seen.has(input.traceId)) return false;
    seen.add(input.traceId);
  }
  return true;
}
