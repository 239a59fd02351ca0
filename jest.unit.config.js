import base from './jest.config.js';

/**
 * Unit tests only (test/unit): no Redis, no network, well under a minute. `npm run test:unit`, and the first
 * half of `npm test`.
 */
/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  // REDIS_URL points at a port where nothing listens, so a unit test that reaches for Redis fails at once
  // instead of passing on a machine that happens to run one.
  setupFiles: ['<rootDir>/test/helpers/unit-no-redis.ts'],
};
