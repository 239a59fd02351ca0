import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command of esp-sync, in the order help lists them; each file adds one command (or a group) to the
 * program. The files are imported on demand: each pulls in what its command runs (the dashboard Express and
 * Bull Board, the demo the sandbox, verify its own stack), and a worker that loaded them all started about
 * 9 MB larger and slower than one that loads only the worker.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  worker: async () => (await import('./worker.ts')).registerWorkerCommand,
  migrate: async () => (await import('./migrate.ts')).registerMigrateCommand,
  sync: async () => (await import('./sync.ts')).registerSyncCommand,
  schedule: async () => (await import('./schedule.ts')).registerScheduleCommand,
  status: async () => (await import('./status.ts')).registerStatusCommand,
  runs: async () => (await import('./runs.ts')).registerRunsCommand,
  report: async () => (await import('./report.ts')).registerReportCommand,
  'retry-failed': async () => (await import('./retry-failed.ts')).registerRetryFailedCommand,
  cancel: async () => (await import('./cancel.ts')).registerCancelCommand,
  auth: async () => (await import('./auth.ts')).registerAuthCommand,
  keygen: async () => (await import('./keygen.ts')).registerKeygenCommand,
  dashboard: async () => (await import('./dashboard.ts')).registerDashboardCommand,
  sandbox: async () => (await import('./sandbox.ts')).registerSandboxCommand,
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  doctor: async () => (await import('./doctor.ts')).registerDoctorCommand,
  verify: async () => (await import('./verify.ts')).registerVerifyCommand,
  lists: async () => (await import('./lists.ts')).registerListsCommand,
};

/**
 * The commands to register for a command line (process.argv: node, the script, then the arguments). The
 * program has no options of its own before the command, so the first argument names it; anything else
 * (no argument, --help, --version, `help worker`, a typo) gets them all, so help lists every command and
 * Commander can suggest the nearest name.
 */
export function commandsToLoad(argv: readonly string[]): string[] {
  const first = argv[2];
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
}

export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const names = new Set(commandsToLoad(argv));
  const loads = Object.entries(COMMANDS).filter(([name]) => names.has(name));
  const registers = await Promise.all(loads.map(([, load]) => load()));
  for (const register of registers) register(program);
}
