import { isFinished, type RunSnapshot } from '../run/follow.ts';
import { ExitCode } from './exit-codes.ts';

/** The seeded data holds addresses that are not email addresses on purpose; the mapping fails them so. */
const INTENDED_FAILURE = /^invalid email address\b/;

export interface DemoVerdictInput {
  snapshot: RunSnapshot;
  /** The reason of every failed row in the run's report. */
  failedReasons: (string | null)[];
  /** Times the simulated HubSpot saw a write that would have resubscribed someone. */
  resubscribeAttempts: number;
  /** The command that lists the failed records, for the user to run. */
  failuresCommand: string;
}

/**
 * Whether the demo did what its seeded data calls for. Records with invalid emails fail on purpose, so they are
 * part of a successful demo (exit 0); anything else — a failed run, another failure reason, a resubscribe, counts
 * that disagree with the report — is a real problem (exit 1, or 3 when the run itself failed).
 */
export function demoVerdict(input: DemoVerdictInput): { code: ExitCode; lines: string[] } {
  const { run, counts } = input.snapshot;
  if (!isFinished(run) || run.status === 'failed') {
    return {
      code: ExitCode.RuntimeFailure,
      lines: [
        `The demo run ended ${run.status}${run.error ? `: ${run.error}` : ''}. The seeded data does not call for that.`,
      ],
    };
  }
  const problems: string[] = [];
  const unexpected = input.failedReasons.filter((r) => !INTENDED_FAILURE.test(r ?? ''));
  if (unexpected.length > 0) {
    const examples = [...new Set(unexpected)].slice(0, 3).map((r) => `"${r ?? 'no reason given'}"`);
    problems.push(
      `${unexpected.length} failed records have reasons the seeded data does not call for (${examples.join(', ')}) — see ${input.failuresCommand}`,
    );
  }
  if (input.failedReasons.length !== counts.failed) {
    problems.push(
      `The run counts ${counts.failed} failed records but its report holds ${input.failedReasons.length}.`,
    );
  }
  if (input.resubscribeAttempts > 0) {
    problems.push(
      `The simulated HubSpot saw ${input.resubscribeAttempts} attempts to resubscribe someone who had opted out.`,
    );
  }
  if (problems.length > 0) return { code: ExitCode.FinishedWithFailures, lines: problems };
  const intended = input.failedReasons.length;
  return {
    code: ExitCode.Ok,
    lines: [
      intended > 0
        ? `The demo did what the seeded data calls for: ${intended} ${intended === 1 ? 'record' : 'records'} failed as the seeded data intends (invalid emails) — see ${input.failuresCommand}`
        : 'The demo did what the seeded data calls for: no record failed.',
    ],
  };
}
