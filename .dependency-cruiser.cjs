/**
 * The layering rules of src/, checked by `npm run lint` (`depcruise src`). docs/architecture.md explains them.
 * Rule reference: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 *
 * A rule that must allow an exception names the one import it allows (in `pathNot`) with the reason beside it.
 */

/** Modules and packages that do I/O: network, Redis, queues, files, the environment. */
const IO_MODULES = [
  '^src/connectors/',
  '^src/queue/',
  '^src/run/',
  '^src/workers/',
  '^src/lib/redis',
  '^src/http/',
  '^src/cli/',
  '^src/dashboard/',
  '^src/monitoring/',
  '^src/demo/',
  '^src/sandbox/',
  '^src/app[.]ts$',
  'node_modules/(ioredis|bullmq|axios|@hubspot/api-client|@mailchimp/mailchimp_marketing|p-retry|express|dotenv|pino)/',
  '^(node:)?(fs|fs/promises|http|https|http2|child_process|dgram|dns|tls|worker_threads)$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'connectors-not-to-orchestration',
      comment:
        'Connectors speak to one vendor API and return results; the queue, the workers, the run store, the ledger and the user interfaces call them, never the other way round.',
      severity: 'error',
      from: { path: '^src/connectors/' },
      to: { path: ['^src/(queue|workers|run|ledger|cli|dashboard|demo|monitoring)/', '^src/app[.]ts$'] },
    },
    {
      name: 'mapping-is-pure',
      comment:
        'Mapping turns a source record into a SourceContact with pure functions: no connectors, queues, run store, Redis or HTTP. Types from config are fine (they vanish at run time).',
      severity: 'error',
      from: { path: '^src/mapping/' },
      to: {
        path: [...IO_MODULES, '^src/config/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'core-imports-only-core',
      comment:
        'core/ holds the domain words and the ports that everything else speaks; it depends on nothing else of ours.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'sandbox-stands-alone',
      comment:
        'The sandbox simulates the three vendor APIs from their documentation; it must not borrow the code it is meant to test.',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/', pathNot: '^src/sandbox/' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle of imports that exist at run time makes the load order matter: modules see each other half-initialised.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-across-folders',
      comment:
        'Any cycle, even through type-only imports, that leaves its folder ties two layers together. A type-only cycle inside one folder (a context type and the modules it wires) is allowed: it changes no load order and stays local.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^src/$1/' } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
