#!/usr/bin/env node
// Runs the TypeScript entry point directly: Node 24 strips types, so no build step is needed. An older Node
// cannot even load a .ts file, so the version is checked first, in plain JavaScript, with one line on failure.
import { nodeVersionProblem } from './node-check.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
await import('../src/cli/main.ts');
