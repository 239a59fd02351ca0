/** /crm/v3/properties/contacts: list, read, create, batch create, and property groups. 409 on existing names. */
import { json } from '../kit.ts';
import type { Router, SandboxRequest, SandboxResponse } from '../kit.ts';
import { addRoute } from './context.ts';
import type { SimContext } from './context.ts';
import { propertyJson } from './defaults.ts';
import type { PropertyDefinition, PropertyOption } from './defaults.ts';
import {
  batchResponse,
  hsError,
  isRecord,
  notFound,
  readJsonBody,
  standardError,
  validationError,
} from './http.ts';

const BASE = '/crm/v3/properties/:objectType';
const CONTACT_TYPES = new Set(['contacts', 'contact', '0-1']);
const FIELD_TYPES: Record<string, string[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file'],
  number: ['number', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  date: ['date'],
  datetime: ['date'],
  phone_number: ['phonenumber'],
};
const NAME = /^[a-z][a-z0-9_]*$/;

type Checked = { ok: true; value: PropertyDefinition } | { ok: false; message: string };

function parseOptions(raw: unknown): PropertyOption[] | string {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return 'options must be an array';
  const options: PropertyOption[] = [];
  const values = new Set<string>();
  for (const [i, o] of raw.entries()) {
    if (!isRecord(o) || typeof o.label !== 'string' || typeof o.value !== 'string') {
      return `options[${i}] needs a string label and value`;
    }
    // OptionInput requires hidden and displayOrder.
    // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
    if (typeof o.hidden !== 'boolean') return `Some required fields were not set: [options[${i}].hidden]`;
    if (typeof o.displayOrder !== 'number') {
      return `Some required fields were not set: [options[${i}].displayOrder]`;
    }
    if (values.has(o.value)) return `options contain the value "${o.value}" twice`;
    values.add(o.value);
    options.push({
      label: o.label,
      value: o.value,
      displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
      hidden: o.hidden === true,
    });
  }
  return options;
}

/** Validates a PropertyCreate body; the name's availability is checked by the caller. */
function checkCreate(ctx: SimContext, raw: unknown): Checked {
  if (!isRecord(raw)) return { ok: false, message: 'Invalid input JSON: a property must be an object' };
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter(
    (k) => typeof raw[k] !== 'string' || raw[k] === '',
  );
  if (missing.length) {
    return { ok: false, message: `Some required fields were not set: [${missing.join(', ')}]` };
  }
  const { name, label, type, fieldType, groupName } = raw as Record<string, string>;
  if (!NAME.test(name!) || name!.length > 100) {
    return {
      ok: false,
      message: `Property name "${name}" must start with a lowercase letter and contain only lowercase letters, digits and underscores`,
    };
  }
  if (name!.startsWith('hs_')) {
    return { ok: false, message: `Property names starting with "hs_" are reserved for HubSpot: ${name}` };
  }
  const allowed = FIELD_TYPES[type!];
  if (!allowed) {
    return {
      ok: false,
      message: `Invalid type "${type}"; expected one of ${Object.keys(FIELD_TYPES).join(', ')}`,
    };
  }
  if (!allowed.includes(fieldType!)) {
    return { ok: false, message: `fieldType "${fieldType}" is not valid for type "${type}"` };
  }
  if (!ctx.state.groups.has(groupName!)) {
    return { ok: false, message: `Property group "${groupName}" does not exist` };
  }
  const options = parseOptions(raw.options);
  if (typeof options === 'string') return { ok: false, message: options };
  if (type === 'enumeration' && options.length === 0) {
    return { ok: false, message: `Enumeration property "${name}" needs at least one option` };
  }
  const at = ctx.now();
  return {
    ok: true,
    value: {
      name: name!,
      label: label!,
      type: type!,
      fieldType: fieldType!,
      groupName: groupName!,
      description: typeof raw.description === 'string' ? raw.description : '',
      options,
      displayOrder: typeof raw.displayOrder === 'number' ? raw.displayOrder : -1,
      hasUniqueValue: raw.hasUniqueValue === true,
      hidden: raw.hidden === true,
      formField: raw.formField === true,
      hubspotDefined: false,
      readOnlyValue: false,
      createdAt: at,
      updatedAt: at,
    },
  };
}

const alreadyExists = (name: string): SandboxResponse =>
  hsError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${name}' already exists.`, {
    context: { name: [name] },
  });

function wrongObjectType(req: SandboxRequest): SandboxResponse | null {
  const type = req.params.objectType ?? '';
  return CONTACT_TYPES.has(type) ? null : notFound(`Unable to infer object type from: ${type}`);
}

function handleCreate(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const checked = checkCreate(ctx, body.value);
  if (!checked.ok) return validationError(checked.message);
  if (ctx.state.properties.has(checked.value.name)) return alreadyExists(checked.value.name);
  ctx.state.properties.set(checked.value.name, checked.value);
  return json(201, propertyJson(checked.value));
}

function handleBatchCreate(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const startedAt = ctx.now();
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const inputs = isRecord(body.value) ? body.value.inputs : undefined;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    return validationError('Some required fields were not set: [inputs]');
  }
  const defs: PropertyDefinition[] = [];
  const names = new Set<string>();
  for (const raw of inputs) {
    const checked = checkCreate(ctx, raw);
    if (!checked.ok) return validationError(checked.message);
    if (names.has(checked.value.name)) {
      return validationError(`Duplicate property name in batch input: ${checked.value.name}`);
    }
    names.add(checked.value.name);
    defs.push(checked.value);
  }
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const def of defs) {
    if (ctx.state.properties.has(def.name)) {
      errors.push(
        standardError('OBJECT_ALREADY_EXISTS', `Property named '${def.name}' already exists.`, {
          name: [def.name],
        }),
      );
      continue;
    }
    ctx.state.properties.set(def.name, def);
    results.push(propertyJson(def));
  }
  return batchResponse(201, startedAt, results, errors, ctx.now());
}

function handleCreateGroup(ctx: SimContext, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  if (!body.ok) return body.response;
  const raw = body.value;
  if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.label !== 'string') {
    return validationError('Some required fields were not set: [name, label]');
  }
  if (!NAME.test(raw.name)) {
    return validationError(
      `Group name "${raw.name}" must contain only lowercase letters, digits and underscores`,
    );
  }
  if (ctx.state.groups.has(raw.name)) {
    return hsError(409, 'OBJECT_ALREADY_EXISTS', `A property group named '${raw.name}' already exists.`, {
      context: { name: [raw.name] },
    });
  }
  const group = {
    name: raw.name,
    label: raw.label,
    displayOrder: typeof raw.displayOrder === 'number' ? raw.displayOrder : -1,
    archived: false,
  };
  ctx.state.groups.set(group.name, group);
  return json(201, group);
}

export function addPropertyRoutes(router: Router, ctx: SimContext): void {
  const read = 'crm.schemas.contacts.read';
  const write = 'crm.schemas.contacts.write';
  const guarded = (handle: (req: SandboxRequest) => SandboxResponse) => (req: SandboxRequest) =>
    wrongObjectType(req) ?? handle(req);
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'GET',
    path: `${BASE}/groups`,
    scope: read,
    handle: guarded(() => json(200, { results: [...ctx.state.groups.values()] })),
  });
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'POST',
    path: `${BASE}/groups`,
    scope: write,
    handle: guarded((req) => handleCreateGroup(ctx, req)),
  });
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'POST',
    path: `${BASE}/batch/create`,
    scope: write,
    handle: guarded((req) => handleBatchCreate(ctx, req)),
  });
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'GET',
    path: BASE,
    scope: read,
    handle: guarded(() => json(200, { results: [...ctx.state.properties.values()].map(propertyJson) })),
  });
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'POST',
    path: BASE,
    scope: write,
    handle: guarded((req) => handleCreate(ctx, req)),
  });
  addRoute(router, ctx, {
    optionalFields: true,
    method: 'GET',
    path: `${BASE}/:propertyName`,
    scope: read,
    handle: guarded((req) => {
      const def = ctx.state.properties.get(req.params.propertyName ?? '');
      return def
        ? json(200, propertyJson(def))
        : notFound(`Unable to find property ${req.params.propertyName}`);
    }),
  });
}
