/**
 * The error classes retries reason about. A `NonRetriableError` is a verdict, not a symptom:
 * whoever throws it has decided that repeating the call cannot help (bad input, a record that is
 * too large), so the retrier gives up at once whatever the error looks like otherwise.
 */

/** Base of adstream's own errors, so callers can tell them from SDK and Node errors. */
export class AdstreamError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // `new.target` so subclasses report their own name in stack traces and logs.
    this.name = new.target.name;
  }
}

/** Repeating the call cannot succeed; never retried. */
export class NonRetriableError extends AdstreamError {}

/** A retriable failure kept failing; `lastCause` is the error of the final attempt. */
export class RetriesExceededError extends AdstreamError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastCause: unknown,
  ) {
    super(message, { cause: lastCause });
  }
}
