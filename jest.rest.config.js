import base from './jest.config.js';

/**
 * Everything but the unit tests: integration, sandbox, monitoring, security, dashboard, e2e and chaos (at its
 * small default size), with real Redis. `npm run test:rest`, the second half of `npm test`.
 */
/** @type {import('jest').Config} */
export default {
  ...base,
  testPathIgnorePatterns: [...(base.testPathIgnorePatterns ?? []), '<rootDir>/test/unit/'],
  // Jest's default on 2 cores is one worker. These tests mostly wait (on Redis, the sandbox, retries and
  // backoff), so two run side by side in about half the time; each has its own key prefix and sandbox port.
  maxWorkers: 2,
};
