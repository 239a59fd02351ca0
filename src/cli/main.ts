import { runCli } from './program.ts';

const code = await runCli(process.argv);
process.exitCode = code;
