import type { Command } from 'commander';
import { generateEncryptionKey } from '../../lib/crypto.ts';

export interface KeygenDeps {
  print?: (line: string) => void;
  hint?: (line: string) => void;
}

/** `esp-sync keygen`: a new ESP_SYNC_ENCRYPTION_KEY on stdout (alone, so it can be piped); advice on stderr. */
export function registerKeygenCommand(program: Command, deps: KeygenDeps = {}): void {
  const print = deps.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const hint = deps.hint ?? ((line: string) => void process.stderr.write(`${line}\n`));
  program
    .command('keygen')
    .description(
      'Print a new ESP_SYNC_ENCRYPTION_KEY (32 random bytes, base64) for the tokens the worker keeps in Redis',
    )
    .action(() => {
      print(generateEncryptionKey());
      hint(
        'Set it as ESP_SYNC_ENCRYPTION_KEY in .env for every worker and for `esp-sync auth`, and keep a copy: tokens stored under it cannot be read without it. To rotate, see "Reliability, secrets and personal data" in the README.',
      );
    });
}
