/**
 * CRM contact batch endpoints (create, read, update, upsert) on the v3 and date-versioned paths.
 * Results come back shuffled, emails lowercased, 207 only when every input has a unique objectWriteTraceId.
 */
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute, shuffled } from './context.ts';
import type { SimContext } from './context.ts';
import {
  allTraceIdsUnique,
  duplicateIds,
  findContact,
  findDuplicates,
  idKey,
  inputsOf,
  invalidIdEmail,
  parseWriteInputs,
  perInputError,
  propertyProblems,
  resolveIdProperty,
  wholeRequestError,
} from './contact-inputs.ts';
import type { BatchKind, IdProperty, InputProblem, WriteInput } from './contact-inputs.ts';
import { batchResponse, isRecord, iso, readJsonBody, standardError, validationError } from './http.ts';
import type { Contact } from './state.ts';

export const CONTACT_BASES = [
  '/crm/v3/objects/contacts',
  '/crm/objects/2026-03/contacts',
  '/crm/objects/2026-09/contacts',
];

const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'];
const DEFAULT_READ = ['email', 'firstname', 'lastname'];

/** A contact as the CRM object APIs return it, with the named properties (null when unset). */
export function contactJson(
  contact: Contact,
  names: Iterable<string>,
  ctx: SimContext,
): Record<string, unknown> {
  const properties: Record<string, string | null> = {};
  for (const name of names) {
    if (!ctx.state.properties.has(name)) continue;
    properties[name] = contact.properties[name] ?? null;
  }
  for (const name of ALWAYS_RETURNED) properties[name] = contact.properties[name] ?? null;
  return {
    id: contact.id,
    properties,
    createdAt: iso(contact.createdAt),
    updatedAt: iso(contact.updatedAt),
    archived: false,
  };
}

export interface Checked {
  input: WriteInput;
  target: Contact | undefined;
  problem: InputProblem | null;
}

export function checkInput(
  ctx: SimContext,
  kind: BatchKind,
  idProperty: IdProperty,
  input: WriteInput,
  claims: Map<string, number>,
): Checked {
  const { state } = ctx;
  let target: Contact | undefined;
  if (kind !== 'create' && input.id !== undefined) {
    const id = input.id;
    if (idProperty === 'email') {
      const bad = invalidIdEmail(input.id);
      if (bad) return { input, target, problem: { kind: 'validation', errors: [bad] } };
    }
    target = findContact(state, idProperty, input.id);
    // An upsert keyed on one of a contact's additional addresses resolves to that contact.
    // https://github.com/rudderlabs/rudder-transformer/pull/3258
    // It keeps its primary address: the email the input repeats is the additional one.
    if (!target && kind === 'upsert' && idProperty === 'email') {
      target = state.contactByAdditionalEmail(input.id);
      if (target && input.properties.email?.toLowerCase() === input.id.toLowerCase()) {
        const { email: _additional, ...rest } = input.properties;
        input = { ...input, properties: rest };
      }
    }
    const mustExist = kind === 'update' || (kind === 'upsert' && idProperty === 'hs_object_id');
    if (!target && mustExist) return { input, target, problem: { kind: 'notFound', id } };
  }
  const properties = { ...input.properties };
  if (kind === 'upsert' && idProperty === 'email' && input.id !== undefined) {
    const given = properties.email;
    if (given !== undefined && given.toLowerCase() !== input.id.toLowerCase()) {
      return {
        input,
        target,
        problem: {
          kind: 'validation',
          errors: [
            {
              isValid: false,
              error: 'INVALID_EMAIL',
              name: 'email',
              message: `Property "email" (${given}) does not match the id (${input.id}) of an upsert by email`,
              localizedErrorMessage: `Property "email" (${given}) does not match the id (${input.id}) of an upsert by email`,
            },
          ],
        },
      };
    }
  }
  if (kind === 'create' && properties.email) {
    const existing = state.contactByEmail(properties.email);
    if (existing) return { input, target, problem: { kind: 'conflict', existingId: existing.id } };
  }
  const errors = propertyProblems(state, properties, target, claims, input.index);
  if (errors.length > 0) {
    if (
      kind === 'create' &&
      errors.every((e) => e.error === 'DUPLICATE_UNIQUE_PROPERTY_VALUE' && e.name === 'email')
    ) {
      return { input, target, problem: { kind: 'conflict', existingId: 'in this batch' } };
    }
    return { input, target, problem: { kind: 'validation', errors } };
  }
  return { input, target, problem: null };
}

/** Record ids two inputs resolve to (a primary and an additional address of one contact). */
function duplicateTargets(checked: Checked[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const { target } of checked) {
    if (!target) continue;
    if (seen.has(target.id)) dupes.add(target.id);
    seen.add(target.id);
  }
  return [...dupes];
}

export function write(
  ctx: SimContext,
  kind: BatchKind,
  idProperty: IdProperty,
  checked: Checked,
): { contact: Contact; created: boolean } {
  const { state } = ctx;
  const { input, target } = checked;
  if (target) {
    state.updateContact(target, input.properties);
    return { contact: target, created: false };
  }
  const properties: Record<string, string> = { hs_marketable_status: 'false', ...input.properties };
  if (kind === 'upsert' && input.id !== undefined && idProperty !== 'hs_object_id') {
    properties[idProperty] = idProperty === 'email' ? input.id.toLowerCase() : input.id;
  }
  return { contact: state.createContact(properties), created: true };
}

function handleWrite(
  ctx: SimContext,
  kind: 'upsert' | 'create' | 'update',
  req: SandboxRequest,
): SandboxResponse {
  const startedAt = ctx.now();
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const inputs = inputsOf(body.value);
  if (!inputs.ok) return inputs.response;
  const parsed = parseWriteInputs(inputs.value, kind);
  if (!parsed.ok) return parsed.response;
  const firstRaw = inputs.value[0];
  const rawIdProperty = kind === 'create' ? undefined : isRecord(firstRaw) ? firstRaw.idProperty : undefined;
  const idProperty = resolveIdProperty(ctx.state, rawIdProperty);
  if (!idProperty.ok) return idProperty.response;
  // Batch update takes record ids; only upsert accepts email as the id property.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/update-contacts
  // https://github.com/HubSpot/hubspot-api-nodejs/issues/548
  if (kind === 'update' && idProperty.value === 'email') {
    return validationError('Unable to perform update/upsert by non-unique 0-1 property email');
  }
  for (const raw of inputs.value) {
    const own = isRecord(raw) ? raw.idProperty : undefined;
    if ((own ?? undefined) !== (rawIdProperty ?? undefined)) {
      return validationError('Invalid input: every input of a batch must use the same idProperty');
    }
  }
  const dupes = findDuplicates(parsed.value, idProperty.value);
  if (dupes.length > 0) return duplicateIds(dupes);

  const claims = new Map<string, number>();
  const checked = parsed.value.map((input) => checkInput(ctx, kind, idProperty.value, input, claims));
  const sameContact = duplicateTargets(checked);
  if (sameContact.length > 0) return duplicateIds(sameContact);
  const failed = checked.filter((c) => c.problem !== null);
  const byEmailWhole =
    kind === 'upsert' && idProperty.value === 'email' && ctx.options().upsertByEmailErrors === 'whole-batch';
  const partial = allTraceIdsUnique(parsed.value) && !byEmailWhole;
  if (failed.length > 0 && !partial) return wholeRequestError(failed[0]!.problem!);

  const results: Record<string, unknown>[] = [];
  for (const c of checked) {
    if (c.problem) continue;
    const { contact, created } = write(ctx, kind, idProperty.value, c);
    const names = new Set([...Object.keys(c.input.properties), 'email']);
    const result = contactJson(contact, names, ctx);
    if (kind === 'upsert') result.new = created;
    if (c.input.traceId !== undefined) result.objectWriteTraceId = c.input.traceId;
    results.push(result);
  }
  const errors = failed.map((c) => perInputError(c.problem!, c.input.traceId!));
  return batchResponse(
    kind === 'create' ? 201 : 200,
    startedAt,
    shuffled(results, ctx.random),
    errors,
    ctx.now(),
  );
}

function handleRead(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const startedAt = ctx.now();
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const inputs = inputsOf(body.value);
  if (!inputs.ok) return inputs.response;
  const request = body.value as Record<string, unknown>;
  const idProperty = resolveIdProperty(ctx.state, request.idProperty);
  if (!idProperty.ok) return idProperty.response;
  const names = request.properties === undefined ? DEFAULT_READ : request.properties;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    return validationError('Invalid input JSON: "properties" must be an array of strings');
  }
  const seen = new Set<string>();
  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const [index, raw] of inputs.value.entries()) {
    if (!isRecord(raw) || typeof raw.id !== 'string') {
      return validationError(`Some required fields were not set: [inputs[${index}].id]`);
    }
    const key = idKey(idProperty.value, raw.id);
    if (seen.has(key)) continue;
    seen.add(key);
    const contact = findContact(ctx.state, idProperty.value, raw.id);
    if (contact) results.push(contactJson(contact, names as string[], ctx));
    else missing.push(raw.id);
  }
  const errors =
    missing.length === 0
      ? []
      : [
          standardError(
            'OBJECT_NOT_FOUND',
            'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
            { ids: missing },
          ),
        ];
  return batchResponse(200, startedAt, shuffled(results, ctx.random), errors, ctx.now());
}

export function addContactBatchRoutes(router: Router, ctx: SimContext): void {
  const write = 'crm.objects.contacts.write';
  for (const base of CONTACT_BASES) {
    addRoute(router, ctx, {
      optionalFields: true,
      method: 'POST',
      path: `${base}/batch/upsert`,
      scope: write,
      handle: (req) => handleWrite(ctx, 'upsert', req),
    });
    addRoute(router, ctx, {
      optionalFields: true,
      method: 'POST',
      path: `${base}/batch/create`,
      scope: write,
      handle: (req) => handleWrite(ctx, 'create', req),
    });
    addRoute(router, ctx, {
      optionalFields: true,
      method: 'POST',
      path: `${base}/batch/update`,
      scope: write,
      handle: (req) => handleWrite(ctx, 'update', req),
    });
    addRoute(router, ctx, {
      optionalFields: true,
      method: 'POST',
      path: `${base}/batch/read`,
      scope: 'crm.objects.contacts.read',
      handle: (req) => handleRead(ctx, req),
    });
  }
}
