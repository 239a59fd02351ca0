export { createCcTokenProvider, INVALID_GRANT_MESSAGE, type CcTokenProvider } from './auth.ts';
export { createConstantContactSource, CcCursorLoopError, type ConstantContactSourceDeps } from './source.ts';
export { ccPages, firstCcCheckpoints, type CcCheckpoint } from './pages.ts';
export { ccRateLimiterKey } from './limits.ts';
export { ccTokenKeys } from './token-store.ts';
export { runCcDeviceFlow, deviceAuthorizeUrl, type DeviceFlowDeps } from './device-flow.ts';
