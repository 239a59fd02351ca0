/**
 * Property value checks as HubSpot applies them on CRM writes. Each failure becomes one item of HubSpot's
 * "Property values were not valid: [...]" list.
 */
import type { PropertyDefinition } from './defaults.ts';
import { isValidEmail } from './http.ts';

export interface PropertyValueError {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

const problem = (name: string, error: string, message: string): PropertyValueError => ({
  isValid: false,
  message,
  error,
  name,
  localizedErrorMessage: message,
});

const MAX_STRING = 65_536;
const DAY_MS = 86_400_000;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const EPOCH_MS = /^-?\d+$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

function validYmd(value: string): boolean {
  const m = YMD.exec(value);
  if (!m) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function midnightProblem(name: string, value: string): PropertyValueError | null {
  const ms = Number(value);
  const offset = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  if (offset === 0) return null;
  const t = new Date(ms);
  const at = `${t.getUTCHours()}:${t.getUTCMinutes()}:${t.getUTCSeconds()}.${t.getUTCMilliseconds()}`;
  return problem(name, 'INVALID_DATE', `${value} is at ${at} UTC, not midnight!`);
}

function optionProblem(def: PropertyDefinition, value: string): PropertyValueError | null {
  const allowed = new Set(def.options.map((o) => o.value));
  const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
  const bad = parts.find((part) => !allowed.has(part));
  if (bad === undefined) return null;
  const listed = def.options.map((o) => o.value).join(', ');
  return problem(def.name, 'INVALID_OPTION', `${bad} was not one of the allowed options: [${listed}]`);
}

/** Null when HubSpot would store the value; an empty string always passes because it clears the property. */
export function checkValue(def: PropertyDefinition, value: string): PropertyValueError | null {
  if (value === '') return null;
  if (value.length > MAX_STRING) {
    return problem(
      def.name,
      'INVALID_STRING_LENGTH',
      `Property "${def.name}" is longer than ${MAX_STRING} characters`,
    );
  }
  if (def.name === 'email' && !isValidEmail(value)) {
    return problem('email', 'INVALID_EMAIL', `Property value "${value}" is not a valid email`);
  }
  switch (def.type) {
    case 'number':
      return NUMBER.test(value)
        ? null
        : problem(def.name, 'INVALID_NUMBER', `${value} is not a valid number`);
    case 'bool':
      return value === 'true' || value === 'false'
        ? null
        : problem(def.name, 'INVALID_BOOLEAN', `${value} is not a valid boolean; use "true" or "false"`);
    case 'enumeration':
      return optionProblem(def, value);
    case 'date':
      if (validYmd(value)) return null;
      if (EPOCH_MS.test(value)) return midnightProblem(def.name, value);
      return problem(
        def.name,
        'INVALID_DATE',
        `${value} is not a valid date; send epoch milliseconds at UTC midnight or YYYY-MM-DD`,
      );
    case 'datetime':
      if (EPOCH_MS.test(value) || (ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value)))) return null;
      return problem(
        def.name,
        'INVALID_DATETIME',
        `${value} is not a valid datetime; send epoch milliseconds or ISO 8601`,
      );
    default:
      return null;
  }
}

export const doesNotExist = (name: string): PropertyValueError =>
  problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);

export const readOnly = (name: string): PropertyValueError =>
  problem(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`);

export const notUnique = (name: string, value: string, ownerId: string): PropertyValueError =>
  problem(
    name,
    'DUPLICATE_UNIQUE_PROPERTY_VALUE',
    `${value} already has that value for ${name}: contact ${ownerId}`,
  );

export const invalidEmail = (value: string): PropertyValueError =>
  problem('email', 'INVALID_EMAIL', `Property value "${value}" is not a valid email`);

export const propertyValuesMessage = (errors: PropertyValueError[]): string =>
  `Property values were not valid: ${JSON.stringify(errors)}`;
