/**
 * Batch APIs that fail per entry — Kinesis PutRecords, Firehose PutRecordBatch, SNS
 * PublishBatch — answer one result per entry, some accepted and some rejected (throttled,
 * internal failure), and store the accepted ones. Only the rejected entries may be sent again,
 * in their original order, or the accepted ones would be stored twice. This is that loop, shared
 * by every sink with such an API (Vector's `retryPartial`, Redpanda Connect's Kinesis output):
 * a response with rejected entries throws a PartialFailureError, which the one retrier backs off
 * on (full jitter) like a throttled call; a request that fails as a whole is retried whole.
 */
import { isRetriableAwsError, retry, type RetryOptions } from './backoff.ts';
import { AdstreamError, RetriesExceededError } from './errors.ts';

/** One entry's outcome, as the batch API reports it; no error code means accepted. */
export interface EntryResult {
  errorCode?: string;
  errorMessage?: string;
}

/** Some entries of a batch request were rejected; the retrier sends just those again. */
export class PartialFailureError extends AdstreamError {
  constructor(
    readonly failedCount: number,
    readonly errorCode: string,
    readonly errorMessage: string,
  ) {
    super(`${failedCount} entries rejected; first: ${errorCode}: ${errorMessage}`);
  }
}

/** Retries ran out with entries still not accepted; `unsent` are those, in order. */
export class UnsentEntriesError<E> extends RetriesExceededError {
  constructor(
    message: string,
    attempts: number,
    lastCause: unknown,
    readonly unsent: readonly E[],
  ) {
    super(message, attempts, lastCause);
  }
}

export interface FailedEntriesOptions<E> extends RetryOptions {
  /** The API's name, for the message when a response does not answer every entry. */
  operation: string;
  /** After each response: the entries it accepted and those it rejected. */
  onResponse?: (accepted: readonly E[], rejected: readonly E[]) => void;
  /** After a request that failed as a whole (its entries are all sent again if retriable). */
  onRequestFailed?: (error: unknown) => void;
}

/** The last error in words: the first rejected entry's code and message, or the request's error. */
export function describeLastFailure(error: unknown): string {
  if (error instanceof PartialFailureError) return `${error.errorCode}: ${error.errorMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Sends `batch` through `send` (one request per call, `attempt` 1-based) until every entry is
 * accepted. Throws UnsentEntriesError when attempts run out, or a non-retriable error as is.
 */
export async function sendRetryingFailedEntries<E>(
  batch: readonly E[],
  send: (pending: readonly E[], attempt: number) => Promise<readonly EntryResult[]>,
  options: FailedEntriesOptions<E>,
): Promise<void> {
  let pending = batch;
  const isRetriable = options.isRetriable ?? isRetriableAwsError;
  try {
    await retry(
      async (attempt) => {
        let results: readonly EntryResult[];
        try {
          results = await send(pending, attempt);
          if (results.length !== pending.length) {
            throw new AdstreamError(`${options.operation} answered ${results.length} results for ${pending.length} records`);
          }
        } catch (error) {
          options.onRequestFailed?.(error);
          throw error;
        }
        const accepted: E[] = [];
        const rejected: E[] = [];
        let firstFailure: EntryResult | undefined;
        pending.forEach((entry, i) => {
          if (results[i].errorCode) {
            rejected.push(entry);
            firstFailure ??= results[i];
          } else {
            accepted.push(entry);
          }
        });
        options.onResponse?.(accepted, rejected);
        if (firstFailure) {
          pending = rejected;
          throw new PartialFailureError(rejected.length, firstFailure.errorCode!, firstFailure.errorMessage ?? '');
        }
      },
      { ...options, isRetriable: (error) => error instanceof PartialFailureError || isRetriable(error) },
    );
  } catch (error) {
    if (!(error instanceof RetriesExceededError)) throw error;
    throw new UnsentEntriesError(error.message, error.attempts, error.lastCause, pending);
  }
}
