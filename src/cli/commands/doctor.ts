import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../../config/env.ts';
import { runDoctor } from '../../doctor/doctor.ts';
import { doctorText } from '../../doctor/format.ts';
import { ExitCode } from '../exit-codes.ts';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check everything a migration needs (Redis, credentials, scopes, limits), one line per check',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      // The checks' own lines say what went wrong; connector warnings would only repeat them.
      const report = await runDoctor(config, pino({ level: 'silent' }));
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : doctorText(report));
      process.exitCode = report.canMigrate ? ExitCode.Ok : ExitCode.ConfigOrUsage;
    });
}
