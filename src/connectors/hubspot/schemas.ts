/**
 * Zod schemas for what HubSpot sends back. Kept loose: HubSpot says every error field "should be treated as
 * optional" (https://developers.hubspot.com/docs/api-reference/error-handling), every optional field may come as
 * null or be left out, unknown extra fields are ignored, and only what the sink reads is checked.
 */
import { z } from 'zod';
import { list, optional } from '../lenient.ts';

const stringish = z.union([z.string(), z.number()]).transform(String);

/** The error envelope of a 4xx/5xx, and the items of a batch's errors[]. */
export const hubSpotErrorSchema = z.looseObject({
  status: optional(z.string()),
  message: optional(z.string()),
  category: optional(z.string()),
  subCategory: optional(z.unknown()),
  correlationId: optional(z.string()),
  policyName: optional(z.string()),
  context: optional(z.record(z.string(), z.unknown())),
  errors: optional(z.array(z.looseObject({ message: optional(z.string()), context: optional(z.unknown()) }))),
});
export type HubSpotErrorBody = z.infer<typeof hubSpotErrorSchema>;

// ---------- contacts ----------

/**
 * A result echoes every property the call wrote; the sinks read only its email, so only that is checked and
 * kept (plain objects, not loose ones: copying and checking each echoed property cost more CPU per record
 * than writing it).
 */
export const upsertResponseSchema = z.object({
  status: optional(z.string()),
  results: z.array(
    z.object({
      id: stringish,
      new: optional(z.boolean()),
      objectWriteTraceId: optional(z.string()),
      properties: optional(z.object({ email: optional(z.string()) })),
    }),
  ),
  errors: optional(z.array(hubSpotErrorSchema)),
  numErrors: optional(z.number()),
});
export type UpsertResponse = z.infer<typeof upsertResponseSchema>;

/** POST …/contacts/batch/read: 200, or 207 with the addresses it found no contact for in errors[]. */
export const batchReadResponseSchema = z.object({
  results: list(z.looseObject({ id: stringish, properties: optional(z.record(z.string(), z.unknown())) })),
  errors: optional(z.array(hubSpotErrorSchema)),
});

// ---------- account ----------

/** GET /account-info/v3/api-usage/daily/private-apps */
export const dailyUsageSchema = z.object({
  results: list(z.looseObject({ name: optional(z.string()), resetsAt: optional(z.string()) })),
});

// ---------- properties ----------

export const propertyListSchema = z.object({
  results: z.array(z.looseObject({ name: z.string(), groupName: optional(z.string()) })),
});

export const propertyBatchCreateSchema = z.object({
  results: optional(z.array(z.looseObject({ name: z.string() }))),
  errors: optional(z.array(hubSpotErrorSchema)),
  numErrors: optional(z.number()),
});

// ---------- communication preferences ----------

const definitionSchema = z.looseObject({
  id: stringish,
  name: z.string(),
  isActive: optional(z.boolean()),
  communicationMethod: optional(z.string()),
  businessUnitId: optional(z.number()),
});
export type SubscriptionDefinition = z.infer<typeof definitionSchema>;

/** v3 answers `subscriptionDefinitions`, v4 and the date versions `results`. */
export const definitionsSchema = z
  .object({
    results: optional(z.array(definitionSchema)),
    subscriptionDefinitions: optional(z.array(definitionSchema)),
  })
  .transform((body) => body.results ?? body.subscriptionDefinitions ?? []);

/** One subscription status. `status` stays a plain string: an unknown value must mean "ambiguous", not a crash. */
export const statusSchema = z.looseObject({
  subscriberIdString: optional(z.string()),
  subscriptionId: optional(stringish),
  status: optional(z.string()),
  channel: optional(z.string()),
  businessUnitId: optional(z.number()),
  setStatusSuccessReason: optional(z.string()),
});
export type StatusEntry = z.infer<typeof statusSchema>;

export const wideStatusSchema = z.looseObject({
  subscriberIdString: optional(z.string()),
  status: optional(z.string()),
  wideStatusType: optional(z.string()),
  businessUnitId: optional(z.number()),
});
export type WideStatusEntry = z.infer<typeof wideStatusSchema>;

/** Communication-preferences calls may answer with an empty body (e.g. verbose=false); read that as `{}`. */
const orEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? {}, schema);

const batchEnvelope = {
  status: optional(z.string()),
  errors: optional(z.array(hubSpotErrorSchema)),
  numErrors: optional(z.number()),
};

/** POST statuses/batch/read and statuses/batch/unsubscribe-all: one entry per address with its statuses. */
export const batchStatusesSchema = orEmpty(
  z.object({
    ...batchEnvelope,
    results: list(z.looseObject({ subscriberIdString: z.string(), statuses: list(statusSchema) })),
  }),
);

/** POST statuses/batch/unsubscribe-all/read. */
export const batchWideStatusesSchema = orEmpty(
  z.object({
    ...batchEnvelope,
    results: list(z.looseObject({ subscriberIdString: z.string(), wideStatuses: list(wideStatusSchema) })),
  }),
);

/** POST statuses/batch/write, GET statuses/{email}: a flat list of statuses. */
export const flatStatusesSchema = orEmpty(z.object({ ...batchEnvelope, results: list(statusSchema) }));

/** GET statuses/{email}/unsubscribe-all: empty results mean "not opted out". */
export const flatWideStatusesSchema = orEmpty(
  z.object({ ...batchEnvelope, results: list(wideStatusSchema) }),
);

/** Single-address writes answer one status, a list of them, or (verbose=false) nothing at all. */
export const singleWriteSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && 'results' in v ? v : { results: v ? [v] : [] }),
  z.object({ results: list(statusSchema) }),
);
