/**
 * Every test: what `npx jest <file>` uses. `npm test` runs it in two halves, jest.unit.config.js (test/unit: no
 * Redis, no network) and then jest.rest.config.js (the rest, with Redis), so a broken unit shows in seconds.
 */
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The chaos suite runs here too, at its small default size (CHAOS_RECORDS); jest.chaos.config.js runs it alone.
  testPathIgnorePatterns: ['/node_modules/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-nock.ts'],
  testTimeout: 30000,
  // A safety net for CI only: every test closes its servers, connections and child processes, but one that
  // fails half-way must not keep the run alive until CI's time limit. Find leaks with --detectOpenHandles.
  forceExit: true,
};
