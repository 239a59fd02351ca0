// Prints how long each test suite took, from jest's --json results, then the totals as the plain line
// "N passed, N failed" that CI reads. Usage: node .ci/jest-summary.mjs NAME=results.json [NAME=results.json ...]
// A results file that is missing (jest crashed before writing it) is named, and its tests count as unknown.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
let passed = 0;
let failed = 0;
const missing = [];

console.log('Test times (from jest --json):');
for (const arg of process.argv.slice(2)) {
  const [name, file] = arg.split('=');
  if (!existsSync(file)) {
    missing.push(name);
    console.log(`  ${name.padEnd(14)} no results (jest wrote none: see its output above)`);
    continue;
  }
  const run = JSON.parse(readFileSync(file, 'utf8'));
  passed += run.numPassedTests;
  failed += run.numFailedTests;
  const lastEnd = Math.max(run.startTime, ...run.testResults.map((t) => t.endTime ?? 0));
  console.log(
    `  ${name.padEnd(14)} ${String(run.numTotalTestSuites).padStart(3)} files ${String(run.numTotalTests).padStart(5)} tests ${seconds(lastEnd - run.startTime)} wall`,
  );
  // One line per folder under test/ (unit, integration, e2e, chaos, ...): the sum of its files' durations.
  const byFolder = new Map();
  for (const t of run.testResults) {
    const folder = relative(process.cwd(), t.name).split('/').slice(0, 2).join('/');
    const row = byFolder.get(folder) ?? { files: 0, passed: 0, failed: 0, ms: 0 };
    row.files += 1;
    row.passed += t.assertionResults.filter((a) => a.status === 'passed').length;
    row.failed += t.assertionResults.filter((a) => a.status === 'failed').length;
    if (t.startTime > 0 && t.endTime >= t.startTime) row.ms += t.endTime - t.startTime;
    byFolder.set(folder, row);
  }
  for (const [folder, row] of [...byFolder].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(
      `    ${folder.padEnd(20)} ${String(row.files).padStart(3)} files ${String(row.passed).padStart(5)} passed ${String(row.failed).padStart(3)} failed ${seconds(row.ms)}`,
    );
  }
}
console.log(
  `${passed} passed, ${failed} failed${missing.length ? ` (no results from: ${missing.join(', ')})` : ''}`,
);
