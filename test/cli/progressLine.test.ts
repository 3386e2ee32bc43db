/**
 * The status line off a terminal (a log file, systemd, CI): at most one line per interval, and the
 * latest state printed when the interval is up, even if nothing new comes after it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressLine } from '../../stream/cli/progressLine.ts';

/** A stream that is not a terminal and keeps what is written to it. */
function logStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const stream = { isTTY: false, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.split('\n').filter((line) => line !== '') };
}

/** Updates the line at `ms` on the fake clock, which the line's timer runs on too. */
function atTimes(line: ProgressLine): (ms: number, text: string) => void {
  let clock = 0;
  return (ms, text) => {
    vi.advanceTimersByTime(ms - clock);
    clock = ms;
    line.update(text, ms);
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressLine off a terminal', () => {
  it('prints the first update at once, holds the next ones, and prints the latest when the interval is up', () => {
    const log = logStream();
    const line = new ProgressLine(log.stream, 5_000);
    const at = atTimes(line);
    at(0, 'read 10');
    at(1_000, 'read 20');
    at(2_000, 'read 30');
    expect(log.lines()).toEqual(['read 10']);
    vi.advanceTimersByTime(2_999);
    expect(log.lines()).toEqual(['read 10']);
    vi.advanceTimersByTime(1);
    // A worker that went quiet after "read 30" shows "read 30", not "read 10", in its log.
    expect(log.lines()).toEqual(['read 10', 'read 30']);
    vi.advanceTimersByTime(60_000);
    expect(log.lines()).toEqual(['read 10', 'read 30']);
  });

  it('prints at most one line per interval, also when an update comes as its turn is due but before the held one is printed', () => {
    const log = logStream();
    const line = new ProgressLine(log.stream, 5_000);
    const at = atTimes(line);
    at(0, 'a');
    at(1_000, 'b'); // held, its timer set for 5,000
    // At 5,000 on the line's clock, before the loop (busy) has run that timer: printed at once.
    line.update('c', 5_000);
    line.update('d', 5_001);
    vi.advanceTimersByTime(3_999);
    expect(log.lines()).toEqual(['a', 'c']);
    // The timer armed for "b" must not print "d" a moment after "c".
    vi.advanceTimersByTime(1);
    expect(log.lines()).toEqual(['a', 'c']);
    vi.advanceTimersByTime(999);
    expect(log.lines()).toEqual(['a', 'c', 'd']);
  });

  it('drops a held update when the final line comes first', () => {
    const log = logStream();
    const line = new ProgressLine(log.stream, 5_000);
    const at = atTimes(line);
    at(0, 'read 10');
    at(1_000, 'read 20');
    line.done('stopped: read 25');
    vi.advanceTimersByTime(10_000);
    expect(log.lines()).toEqual(['read 10', 'stopped: read 25']);
  });
});
