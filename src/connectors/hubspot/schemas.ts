/**
 * Zod schemas for what HubSpot sends back (api-facts §3.4, §3.8, §3.9). Kept loose: HubSpot says every error
 * field "should be treated as optional", and unknown extra fields are ignored.
 */
import { z } from 'zod';

const stringish = z.union([z.string(), z.number()]).transform(String);

/** The error envelope of a 4xx/5xx, and the items of a batch's errors[]. */
export const hubSpotErrorSchema = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  correlationId: z.string().optional(),
  policyName: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  errors: z
    .array(z.looseObject({ message: z.string().optional(), context: z.unknown().optional() }))
    .optional(),
});
export type HubSpotErrorBody = z.infer<typeof hubSpotErrorSchema>;

// ---------- contacts ----------

export const upsertResponseSchema = z.object({
  status: z.string().optional(),
  results: z.array(
    z.looseObject({
      id: stringish,
      new: z.boolean().optional(),
      objectWriteTraceId: z.string().optional(),
      properties: z.record(z.string(), z.string().nullable()).optional(),
    }),
  ),
  errors: z.array(hubSpotErrorSchema).optional(),
  numErrors: z.number().optional(),
});
export type UpsertResponse = z.infer<typeof upsertResponseSchema>;

// ---------- properties ----------

export const propertyListSchema = z.object({
  results: z.array(z.looseObject({ name: z.string(), groupName: z.string().optional() })),
});

export const propertyBatchCreateSchema = z.object({
  results: z.array(z.looseObject({ name: z.string() })).optional(),
  errors: z.array(hubSpotErrorSchema).optional(),
  numErrors: z.number().optional(),
});

// ---------- communication preferences ----------

const definitionSchema = z.looseObject({
  id: stringish,
  name: z.string(),
  isActive: z.boolean().optional(),
  communicationMethod: z.string().optional(),
  businessUnitId: z.number().optional(),
});
export type SubscriptionDefinition = z.infer<typeof definitionSchema>;

/** v3 answers `subscriptionDefinitions`, v4 and the date versions `results`. */
export const definitionsSchema = z
  .object({
    results: z.array(definitionSchema).optional(),
    subscriptionDefinitions: z.array(definitionSchema).optional(),
  })
  .transform((body) => body.results ?? body.subscriptionDefinitions ?? []);

/** One subscription status. `status` stays a plain string: an unknown value must mean "ambiguous", not a crash. */
export const statusSchema = z.looseObject({
  subscriberIdString: z.string().optional(),
  subscriptionId: stringish.optional(),
  status: z.string().optional(),
  channel: z.string().optional(),
  businessUnitId: z.number().optional(),
  setStatusSuccessReason: z.string().optional(),
});
export type StatusEntry = z.infer<typeof statusSchema>;

export const wideStatusSchema = z.looseObject({
  subscriberIdString: z.string().optional(),
  status: z.string().optional(),
  wideStatusType: z.string().optional(),
  businessUnitId: z.number().optional(),
});
export type WideStatusEntry = z.infer<typeof wideStatusSchema>;

/** Communication-preferences calls may answer with an empty body (e.g. verbose=false); read that as `{}`. */
const orEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? {}, schema);

const batchEnvelope = {
  status: z.string().optional(),
  errors: z.array(hubSpotErrorSchema).optional(),
  numErrors: z.number().optional(),
};

/** POST statuses/batch/read and statuses/batch/unsubscribe-all: one entry per address with its statuses. */
export const batchStatusesSchema = orEmpty(
  z.object({
    ...batchEnvelope,
    results: z
      .array(z.looseObject({ subscriberIdString: z.string(), statuses: z.array(statusSchema).default([]) }))
      .default([]),
  }),
);

/** POST statuses/batch/unsubscribe-all/read. */
export const batchWideStatusesSchema = orEmpty(
  z.object({
    ...batchEnvelope,
    results: z
      .array(
        z.looseObject({
          subscriberIdString: z.string(),
          wideStatuses: z.array(wideStatusSchema).default([]),
        }),
      )
      .default([]),
  }),
);

/** POST statuses/batch/write, GET statuses/{email}: a flat list of statuses. */
export const flatStatusesSchema = orEmpty(
  z.object({ ...batchEnvelope, results: z.array(statusSchema).default([]) }),
);

/** GET statuses/{email}/unsubscribe-all: empty results mean "not opted out". */
export const flatWideStatusesSchema = orEmpty(
  z.object({ ...batchEnvelope, results: z.array(wideStatusSchema).default([]) }),
);

/** Single-address writes answer one status, a list of them, or (verbose=false) nothing at all. */
export const singleWriteSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && 'results' in v ? v : { results: v ? [v] : [] }),
  z.object({ results: z.array(statusSchema) }),
);
