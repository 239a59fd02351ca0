/**
 * The layering rules in .dependency-cruiser.cjs (run by `npm run lint`) catch each kind of forbidden import.
 * Each case writes a tiny src/ tree under .tmp/ (inside the repository, so packages resolve from node_modules)
 * and cruises it with the project's own rules.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';

const repoRoot = resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as IConfiguration;

let root = '';

beforeAll(async () => {
  await mkdir(join(repoRoot, '.tmp'), { recursive: true });
  root = await mkdtemp(join(repoRoot, '.tmp', 'layering-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the files into a fresh tree and returns each broken rule with the module that breaks it. */
async function violatedRules(name: string, files: Record<string, string>): Promise<string[]> {
  const base = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), text);
  }
  const reported = await cruise(['src'], {
    baseDir: base,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  });
  const result = reported.output as ICruiseResult;
  return [...new Set(result.summary.violations.map((v) => `${v.rule.name}: ${v.from}`))].sort();
}

const contactTs = "export type SourceName = 'mailchimp' | 'constant-contact';\n";

describe('the layering rules', () => {
  it('accept a tree that keeps them (connectors → core, mapping → core and config types)', async () => {
    const rules = await violatedRules('allowed', {
      'src/core/contact.ts': contactTs,
      'src/config/env.ts':
        "import type { SourceName } from '../core/contact.ts';\nexport type Config = { s: SourceName };\n",
      'src/connectors/mailchimp/source.ts':
        "import type { SourceName } from '../../core/contact.ts';\nexport const s: SourceName = 'mailchimp';\n",
      'src/mapping/mailchimp.ts':
        "import type { Config } from '../config/env.ts';\nimport type { SourceName } from '../core/contact.ts';\nexport const f = (c: Config): SourceName => c.s;\n",
    });
    expect(rules).toEqual([]);
  });

  it('reject a connector that imports the queue or the cross-run ledger', async () => {
    const rules = await violatedRules('connector', {
      'src/queue/queues.ts': 'export const QUEUE = 1;\n',
      'src/ledger/ledger.ts': 'export const LEDGER = 1;\n',
      'src/connectors/hubspot/contacts.ts':
        "import { QUEUE } from '../../queue/queues.ts';\nexport const q = QUEUE;\n",
      'src/connectors/mailchimp/source.ts':
        "import { LEDGER } from '../../ledger/ledger.ts';\nexport const l = LEDGER;\n",
    });
    expect(rules).toEqual([
      'connectors-not-to-orchestration: src/connectors/hubspot/contacts.ts',
      'connectors-not-to-orchestration: src/connectors/mailchimp/source.ts',
    ]);
  });

  it('reject mapping that imports I/O: our Redis module or an HTTP package', async () => {
    const rules = await violatedRules('mapping', {
      'src/lib/redis.ts': 'export const redis = 1;\n',
      'src/mapping/a.ts': "import { redis } from '../lib/redis.ts';\nexport const a = redis;\n",
      'src/mapping/b.ts': "import axios from 'axios';\nexport const b = axios;\n",
    });
    expect(rules).toEqual(['mapping-is-pure: src/mapping/a.ts', 'mapping-is-pure: src/mapping/b.ts']);
  });

  it('reject core importing anything of ours outside core', async () => {
    const rules = await violatedRules('core', {
      'src/config/env.ts': "export type SourceName = 'mailchimp';\n",
      'src/core/contact.ts':
        "import type { SourceName } from '../config/env.ts';\nexport type S = SourceName;\n",
    });
    expect(rules).toEqual(['core-imports-only-core: src/core/contact.ts']);
  });

  it('reject the sandbox importing the code it simulates for', async () => {
    const rules = await violatedRules('sandbox', {
      'src/core/contact.ts': contactTs,
      'src/sandbox/hubspot/sim.ts':
        "import type { SourceName } from '../../core/contact.ts';\nexport type S = SourceName;\n",
    });
    expect(rules).toEqual(['sandbox-stands-alone: src/sandbox/hubspot/sim.ts']);
  });

  it('reject a cycle of run-time imports', async () => {
    const rules = await violatedRules('cycle', {
      'src/lib/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/lib/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(rules).toEqual(['no-circular: src/lib/a.ts']);
  });

  it('reject a cycle of type-only imports that leaves its folder', async () => {
    const rules = await violatedRules('type-cycle-across', {
      'src/run/store.ts':
        "import type { Job } from '../queue/queues.ts';\nexport type Store = { job: Job };\n",
      'src/queue/queues.ts':
        "import type { Store } from '../run/store.ts';\nexport type Job = { store: Store };\n",
    });
    expect(rules).toEqual(['no-circular-across-folders: src/queue/queues.ts']);
  });

  it('accept a cycle of type-only imports inside one folder (a context type and what it wires)', async () => {
    const rules = await violatedRules('type-cycle-within', {
      'src/sandbox/context.ts':
        "import type { Guard } from './guard.ts';\nexport type Ctx = { guard: Guard };\n",
      'src/sandbox/guard.ts':
        "import type { Ctx } from './context.ts';\nexport type Guard = (c: Ctx) => void;\n",
    });
    expect(rules).toEqual([]);
  });
});
