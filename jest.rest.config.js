import base from './jest.config.js';

/**
 * Everything but the unit tests: integration, sandbox, monitoring, security, dashboard, e2e and chaos (at its
 * small default size), with real Redis. `npm run test:rest`, the second half of `npm test`.
 */
/** @type {import('jest').Config} */
export default {
  ...base,
  testPathIgnorePatterns: [...(base.testPathIgnorePatterns ?? []), '<rootDir>/test/unit/'],
};
