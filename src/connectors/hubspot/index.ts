export { createHubSpotSink, HUBSPOT_WINDOW_MS, type HubSpotSink, type HubSpotSinkDeps } from './sink.ts';
export { classifyHubSpotResponse, type HubSpotRejection, type HubSpotVerdict } from './errors.ts';
export { DEFAULT_HUBSPOT_VERSIONS, hubspotPaths, type HubSpotApiVersions } from './versions.ts';
export { MAX_BATCH_INPUTS, DUPLICATE_IN_BATCH } from './contacts.ts';
export { PROPERTY_GROUP_LABEL, forgetKnownProperties } from './properties.ts';
export { forgetBatchRefusals } from './subscriptions.ts';
export type { HubSpotLimiter } from './client.ts';
