/**
 * The CLI imports only the command it runs (a worker should not carry the dashboard, the sandbox or the demo):
 * the name on the command line picks one command file, and anything else registers them all for help.
 */
import { describe, expect, it } from '@jest/globals';
import { commandsToLoad } from '../../src/cli/commands/index.ts';
import { buildProgram } from '../../src/cli/program.ts';

const ALL = [
  'worker',
  'migrate',
  'sync',
  'schedule',
  'status',
  'runs',
  'report',
  'retry-failed',
  'cancel',
  'auth',
  'keygen',
  'dashboard',
  'sandbox',
  'demo',
  'doctor',
  'verify',
  'lists',
];
const argv = (...args: string[]) => ['node', 'esp-sync', ...args];

describe('commandsToLoad', () => {
  it('loads only the command the first argument names', () => {
    expect(commandsToLoad(argv('worker', '--concurrency', '8'))).toEqual(['worker']);
    expect(commandsToLoad(argv('schedule', 'list'))).toEqual(['schedule']);
  });

  it('loads every command for help, --version, no command or an unknown name', () => {
    for (const args of [[], ['--help'], ['-V'], ['help', 'worker'], ['wrker'], ['toString']]) {
      expect(commandsToLoad(argv(...args))).toEqual(ALL);
    }
  });
});

describe('buildProgram', () => {
  it('registers, for each name, the command of that name and no other', async () => {
    for (const name of ALL) {
      const program = await buildProgram(argv(name));
      expect(program.commands.map((c) => c.name())).toEqual([name]);
    }
  });

  it('lists every command, in order, when asked for help', async () => {
    const program = await buildProgram(argv('--help'));
    expect(program.commands.map((c) => c.name())).toEqual(ALL);
  });
});
