import { Option } from 'commander';
import { ConfigError } from '../errors/index.ts';
import {
  loadConfig,
  requireConstantContact,
  requireHubSpot,
  requireMailchimp,
  type Config,
  type SourceName,
} from '../config/env.ts';
import type { RunStatus } from '../run/types.ts';
import { ExitCode } from './exit-codes.ts';

export const sourceOption = () =>
  new Option('--source <source>', 'which source to read')
    .choices(['mailchimp', 'constant-contact', 'all'])
    .makeOptionMandatory();

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseSources(source: string): SourceName[] {
  if (source === 'all') return ['mailchimp', 'constant-contact'];
  if (source === 'mailchimp' || source === 'constant-contact') return [source];
  throw new ConfigError(`--source must be mailchimp, constant-contact or all (got "${source}").`);
}

/** The sources --source names, or every configured one (one line saying what to set when there is none). */
export function sourcesAndConfig(source: string | undefined): { config: Config; sources: SourceName[] } {
  const config = configFor(source ? parseSources(source) : []);
  const sources: SourceName[] = source
    ? parseSources(source)
    : [
        ...(config.mailchimp ? (['mailchimp'] as const) : []),
        ...(config.constantContact ? (['constant-contact'] as const) : []),
      ];
  if (sources.length === 0) {
    throw new ConfigError(
      'No source is configured: set MAILCHIMP_API_KEY or CONSTANT_CONTACT_CLIENT_ID and _CLIENT_SECRET.',
    );
  }
  return { config, sources };
}

/** Loads the configuration and checks that HubSpot and every source of the command are configured. */
export function configFor(sources: SourceName[]): Config {
  const config = loadConfig();
  requireHubSpot(config);
  if (sources.includes('mailchimp')) requireMailchimp(config);
  if (sources.includes('constant-contact')) requireConstantContact(config);
  return config;
}

export function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`${name} must be a positive whole number (got "${value}").`);
  }
  return n;
}

export const TIMEOUT_OPTION_HELP =
  'with --wait: stop waiting after this many seconds (exit 3); the run keeps going';

/** --wait and --timeout together: a time limit only means something while waiting. */
export function waitOptions(opts: { wait?: boolean; timeout?: string }): {
  wait: boolean;
  timeoutSeconds: number | null;
} {
  if (opts.timeout !== undefined && !opts.wait) {
    throw new ConfigError('--timeout limits --wait: add --wait, or leave --timeout out.');
  }
  return {
    wait: opts.wait ?? false,
    timeoutSeconds: opts.timeout === undefined ? null : parsePositiveInt(opts.timeout, '--timeout'),
  };
}

export function exitCodeForStatus(status: RunStatus): ExitCode {
  if (status === 'completed') return ExitCode.Ok;
  if (status === 'completed_with_errors') return ExitCode.FinishedWithFailures;
  if (status === 'failed') return ExitCode.RuntimeFailure;
  return ExitCode.Ok;
}
