import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, errorMessage, isSyncError } from '../errors/index.ts';
import { ExitCode } from './exit-codes.ts';
import { registerCommands } from './commands/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const HELP_FOOTER = `
Configuration comes from the environment or from a .env file in the current folder (see .env.example):
HUBSPOT_ACCESS_TOKEN and at least one source, REDIS_URL, QUEUE_PREFIX.

Exit codes:
  0  done
  1  the run finished with failed records (see esp-sync report RUN_ID --only failed)
  2  configuration or usage error: one line naming the variable, option or run id to fix
  3  runtime failure: Redis unreachable, credentials refused, --timeout reached, a crash
  130  interrupted with Ctrl-C while waiting (the run keeps going)`;

/** The program for a command line (process.argv), with the commands it may run registered. */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('esp-sync')
    .description(
      'Move contacts and opt-outs from Mailchimp and Constant Contact into HubSpot, on BullMQ queues.',
    )
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', HELP_FOOTER)
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

/** Maps anything thrown by a command to one line on stderr and an exit code. */
export function exitCodeFor(err: unknown): { code: ExitCode; message: string | null } {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
      return { code: ExitCode.Ok, message: null };
    }
    if (err.code === 'commander.help') return { code: ExitCode.Ok, message: null };
    // Commander already printed its message.
    return { code: ExitCode.ConfigOrUsage, message: null };
  }
  if (err instanceof ConfigError) return { code: ExitCode.ConfigOrUsage, message: err.message };
  if (isSyncError(err)) return { code: ExitCode.RuntimeFailure, message: err.message };
  return { code: ExitCode.RuntimeFailure, message: `esp-sync failed: ${errorMessage(err)}` };
}

export async function runCli(argv: string[]): Promise<ExitCode> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return (process.exitCode as ExitCode | undefined) ?? ExitCode.Ok;
  } catch (err) {
    const { code, message } = exitCodeFor(err);
    if (message) process.stderr.write(`${message}\n`);
    return code;
  }
}
