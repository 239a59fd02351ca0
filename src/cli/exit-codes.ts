/** Exit codes of every esp-sync command. */
export const ExitCode = {
  Ok: 0,
  /** The run finished, but some records failed (see the report). */
  FinishedWithFailures: 1,
  /** Bad configuration or command-line usage: fix the input and run again. */
  ConfigOrUsage: 2,
  /** Something broke at run time (Redis down, an API refused credentials, a crash). */
  RuntimeFailure: 3,
  /** Ctrl-C while following a run: only the following stopped, the run goes on (128 + SIGINT, as shells do). */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
