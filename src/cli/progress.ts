import cliProgress from 'cli-progress';
import type { RunSnapshot } from '../run/follow.ts';
import { progressOf } from '../run/follow.ts';
import { progressLine } from './summary.ts';

/**
 * Live progress while waiting for a run: a bar with counts, rate and ETA on a terminal; a plain line every few
 * seconds otherwise (logs, CI), so output stays readable in both.
 */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          '{bar} {percentage}% | {phase} | {value}/{total} | {created} created {updated} updated {optedOut} opted out {failed} failed | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      tick(s: RunSnapshot) {
        const p = progressOf(s);
        // The subscribe phase has its own bar: subscriptions settled of those queued.
        const [value, of, phase] = p.subscribe
          ? [p.subscribe.done, p.subscribe.total, 'subscriptions']
          : [p.done, p.total ?? p.done, 'records'];
        const payload = { ...s.counts, rate: p.rate.toFixed(1), phase: `${s.run.phase} ${phase}` };
        const total = Math.max(of, value, 1);
        if (!started) {
          bar.start(total, value, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(value, payload);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    tick(s: RunSnapshot) {
      if (Date.now() - last < plainEveryMs) return;
      last = Date.now();
      stream.write(`${progressLine(s)}\n`);
    },
    stop() {},
  };
}
