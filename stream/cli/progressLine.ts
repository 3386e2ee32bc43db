/**
 * A live status line for long runs: redrawn in place on a terminal, printed every few seconds
 * otherwise (CI logs, pipes), so it never floods a log file.
 */
export class ProgressLine {
  private lastPrinted = -Infinity;
  private lastLength = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly nonTtyEveryMs = 5_000,
  ) {}

  update(text: string, now = performance.now()): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.padEnd(this.lastLength)}`);
      this.lastLength = text.length;
    } else if (now - this.lastPrinted >= this.nonTtyEveryMs) {
      this.stream.write(`${text}\n`);
      this.lastPrinted = now;
    }
  }

  /**
   * Prints a line of its own above the status line (which is redrawn on the next update), on the
   * status line's stream or on `out` (stdout for output meant for a pipe).
   */
  log(text: string, out: NodeJS.WritableStream = this.stream): void {
    if (this.stream.isTTY && this.lastLength > 0) this.stream.write(`\r${' '.repeat(this.lastLength)}\r`);
    this.lastLength = 0;
    out.write(`${text}\n`);
  }

  done(text?: string): void {
    if (this.stream.isTTY) this.stream.write(`\r${(text ?? '').padEnd(this.lastLength)}\n`);
    else if (text) this.stream.write(`${text}\n`);
    this.lastLength = 0;
  }
}

/** Records per second since `startedAt`, for display. */
export const ratePerSecond = (count: number, startedAt: number, now = performance.now()): number =>
  count / Math.max(0.001, (now - startedAt) / 1000);
