/**
 * Retrying with capped exponential backoff and FULL jitter, as in the AWS Architecture Blog's
 * "Exponential Backoff And Jitter": before retry n (0-based) sleep a uniform draw from
 * [0, min(cap, base · 2^n)). Full jitter spreads competing clients over the whole window, which
 * does the least total work of the variants the post compares when many clients throttle at once.
 *
 * The clock and the randomness are parameters: tests and replays decide both.
 */
import { NonRetriableError, RetriesExceededError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Uniform in [0, 1). */
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Whether an error is worth another attempt; AWS throttling/5xx/network errors by default. */
  isRetriable?: (error: unknown) => boolean;
  /** Told before each backoff sleep, e.g. to count retries; `attempt` is the one that failed. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The full-jitter sleep before retry `retryIndex` (0 for the first retry). */
export function fullJitterDelay(retryIndex: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  // Math.min first: 2 ** retryIndex overflows to Infinity long before it matters, and min copes.
  return random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retryIndex);
}

// Error names the SDK reports for throttling and transient service faults.
const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

// Node socket errors the SDK passes through unchanged (the same set Smithy treats as transient,
// plus a temporary DNS failure). ENOTFOUND is left out: a mistyped endpoint never heals.
const RETRIABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

interface AwsLikeError {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** AWS SDK v3 throttling, 5xx and network errors: worth retrying. Anything else is not. */
export function isRetriableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || error instanceof NonRetriableError) return false;
  const { name, code, $retryable, $metadata } = error as AwsLikeError;
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    Boolean($retryable) ||
    status >= 500 ||
    status === 429 ||
    (name !== undefined && RETRIABLE_NAMES.has(name)) ||
    (code !== undefined && RETRIABLE_CODES.has(code))
  );
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Calls `fn` (with the 1-based attempt number) until it resolves, a non-retriable error is thrown
 * (rethrown as is), or `maxAttempts` attempts have failed (RetriesExceededError with the last error).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, random, sleep } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  const isRetriable = options.isRetriable ?? isRetriableAwsError;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      // A NonRetriableError is a caller's verdict: no classifier may overrule it.
      if (error instanceof NonRetriableError || !isRetriable(error)) throw error;
      if (attempt >= maxAttempts) {
        throw new RetriesExceededError(`gave up after ${attempt} attempts; last error: ${describeError(error)}`, attempt, error);
      }
      const delayMs = fullJitterDelay(attempt - 1, baseDelayMs, maxDelayMs, random);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
