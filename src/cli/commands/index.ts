import type { Command } from 'commander';

/** Every command of esp-sync; each file adds one command (or a group) to the program. */
export function registerCommands(program: Command): void {
  void program;
}
