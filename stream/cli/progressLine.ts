/**
 * A live status line for long runs: redrawn in place on a terminal, printed every few seconds
 * otherwise (CI logs, pipes, systemd), so it never floods a log file. An update that comes too
 * soon after the last printed one is printed when its few seconds are up, unless a newer one or
 * the final line replaces it: a worker that goes quiet after a burst must not leave its log
 * showing the burst's first records as if it had stopped there.
 */
export class ProgressLine {
  private lastPrinted = -Infinity;
  private lastLength = 0;
  /** The latest update not printed yet (off a terminal), and the timer that will print it. */
  private pending: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly nonTtyEveryMs = 5_000,
  ) {}

  update(text: string, now = performance.now()): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.padEnd(this.lastLength)}`);
      this.lastLength = text.length;
    } else if (now - this.lastPrinted >= this.nonTtyEveryMs) {
      this.print(text, now);
    } else {
      this.pending = text;
      // Display only: the wall clock decides when a log line appears, never what the pipeline does.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        if (this.pending !== undefined) this.print(this.pending, performance.now());
      }, this.nonTtyEveryMs - (now - this.lastPrinted)).unref();
    }
  }

  private print(text: string, now: number): void {
    // A held update printed early (its timer not yet run on a busy loop) takes the timer with it.
    this.dropPending();
    this.stream.write(`${text}\n`);
    this.lastPrinted = now;
    this.pending = undefined;
  }

  /** Drops an update still waiting for its turn: the line that follows says more. */
  private dropPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
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
    this.dropPending();
    if (this.stream.isTTY) this.stream.write(`\r${(text ?? '').padEnd(this.lastLength)}\n`);
    else if (text) this.stream.write(`${text}\n`);
    this.lastLength = 0;
  }
}
