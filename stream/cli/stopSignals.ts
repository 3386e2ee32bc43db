/**
 * SIGINT and SIGTERM for a command that winds down before it exits (commits a batch, releases
 * leases, closes a file): the first asks it to stop, a second ends the process at once. A wind-down
 * can wait on a service that no longer answers, and an operator's Ctrl-C, or a supervisor's second
 * SIGTERM, must still end it; what that costs is said as it exits.
 */
import { constants } from 'node:os';

export interface StopSignals {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The exit code of a run the first signal cut short (128 + its number, as shells report it), or undefined if none came. */
  exitCode(): number | undefined;
  /** Stops listening (the command is done; signals have their default effect again). */
  dispose(): void;
}

/**
 * `onFirst` says what the command does on the first signal; `atOnce` what exiting at the second
 * leaves undone, and how the next run makes up for it.
 */
export function stopOnSignals(onFirst: (signal: NodeJS.Signals) => void, atOnce: string): StopSignals {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first === undefined) {
      first = signal;
      onFirst(signal);
      controller.abort();
      return;
    }
    process.stderr.write(`\nadstream: a second signal (${signal}): exiting at once; ${atOnce}\n`);
    process.exit(128 + constants.signals[signal]);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => (first === undefined ? undefined : 128 + constants.signals[first]),
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Thrown by a command that a signal stopped before its work was done, once it has said so itself:
 * main() prints nothing more and exits with `exitCode` (a script's `replay && load-warehouse`
 * must not go on with half a lake).
 */
export class StoppedBySignal extends Error {
  constructor(readonly exitCode: number) {
    super(`stopped by a signal before the work was done (exit code ${exitCode})`);
  }
}
