/**
 * Vendors send `null` for an optional field as often as they leave it out, so every optional field the
 * connectors read goes through `optional()` or `list()`: null and absence mean the same.
 */
import { z } from 'zod';

/** An optional field: null and absence both come out as undefined. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

/** An optional list: null and absence both come out as []. */
export const list = <T extends z.ZodType>(item: T) => z.preprocess((value) => value ?? [], z.array(item));

/**
 * Drops top-level null values from a record handed on to the mappers: a field sent as null means the same as
 * a field left out, and the mappers need only handle absence.
 */
export function withoutNulls<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== null) out[key] = value;
  return out as T;
}
