#!/usr/bin/env node
// Runs the TypeScript entry point directly: Node 24 strips types, so no build step is needed.
import '../src/cli/main.ts';
