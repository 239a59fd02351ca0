import base from './jest.config.js';

/**
 * Only the chaos suite, with room for big runs: `CHAOS_RECORDS=100000 npm run test:chaos`.
 * One file at a time, so scenarios do not compete for the CPU and their timings stay meaningful.
 */
/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  testTimeout: 4 * 60 * 60 * 1000,
  maxWorkers: 1,
};
