import type { Command } from 'commander';
import { registerAuthCommand } from './auth.ts';
import { registerCancelCommand } from './cancel.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerDemoCommand } from './demo.ts';
import { registerDoctorCommand } from './doctor.ts';
import { registerKeygenCommand } from './keygen.ts';
import { registerListsCommand } from './lists.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerReportCommand } from './report.ts';
import { registerRetryFailedCommand } from './retry-failed.ts';
import { registerRunsCommand } from './runs.ts';
import { registerSandboxCommand } from './sandbox.ts';
import { registerScheduleCommand } from './schedule.ts';
import { registerStatusCommand } from './status.ts';
import { registerSyncCommand } from './sync.ts';
import { registerVerifyCommand } from './verify.ts';
import { registerWorkerCommand } from './worker.ts';

/** Every command of esp-sync; each file adds one command (or a group) to the program. */
export function registerCommands(program: Command): void {
  registerWorkerCommand(program);
  registerMigrateCommand(program);
  registerSyncCommand(program);
  registerScheduleCommand(program);
  registerStatusCommand(program);
  registerRunsCommand(program);
  registerReportCommand(program);
  registerRetryFailedCommand(program);
  registerCancelCommand(program);
  registerAuthCommand(program);
  registerKeygenCommand(program);
  registerDashboardCommand(program);
  registerSandboxCommand(program);
  registerDemoCommand(program);
  registerDoctorCommand(program);
  registerVerifyCommand(program);
  registerListsCommand(program);
}
