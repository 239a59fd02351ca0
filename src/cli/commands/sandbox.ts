import { InvalidArgumentError, type Command } from 'commander';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { ExitCode } from '../exit-codes.ts';

interface SandboxCliOptions {
  port: number;
  host: string;
  seed: number;
  audiences: number;
  members: number;
  contacts: number;
  hubspotContacts: number;
  limits: boolean;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** Shell-safe: plain values as they are, anything else in single quotes. */
const shellValue = (v: string): string => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

export function envLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellValue(v)}`)
    .join('\n');
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Run local simulators of HubSpot, Mailchimp and Constant Contact, seeded with generated data',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', nonNegativeInt, 4010)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'seed of the generated data and of fault injection', nonNegativeInt, 1)
    .option('--audiences <n>', 'Mailchimp audiences', nonNegativeInt, 2)
    .option('--members <n>', 'members per Mailchimp audience', nonNegativeInt, 1000)
    .option('--contacts <n>', 'Constant Contact contacts', nonNegativeInt, 1000)
    .option('--hubspot-contacts <n>', 'contacts already in HubSpot', nonNegativeInt, 100)
    .option('--no-limits', 'switch off every rate, concurrency and quota limit (for benchmarks)')
    .action(async (opts: SandboxCliOptions) => {
      let sandbox: Sandbox;
      try {
        sandbox = await startSandbox({
          port: opts.port,
          host: opts.host,
          seed: opts.seed,
          limits: opts.limits,
          dataset: {
            seed: opts.seed,
            mailchimp: { audiences: opts.audiences, membersPerAudience: opts.members },
            constantContact: { contacts: opts.contacts },
            hubspotPreexisting: { contacts: opts.hubspotContacts },
          },
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'EADDRINUSE'
            ? `port ${opts.port} is already in use; pick another with --port (or --port 0 for any free port)`
            : String(err);
        process.stderr.write(`esp-sync sandbox could not start: ${why}\n`);
        process.exitCode = ExitCode.ConfigOrUsage;
        return;
      }
      process.stdout.write(
        [
          `Sandbox listening on ${sandbox.url} (seed ${opts.seed}, limits ${opts.limits ? 'on' : 'off'})`,
          '# Point the worker at it: paste these lines into your shell or .env',
          envLines(sandbox.env),
          `# Admin state (HubSpot contents, call counts, faults): ${sandbox.adminUrl}`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      const signal = await waitForSignal();
      await sandbox.close();
      process.stdout.write(`Sandbox stopped (${signal}).\n`);
    });
}
