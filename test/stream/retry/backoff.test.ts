import { describe, expect, it } from 'vitest';
import { Rng } from '../../../stream/generator/rng.ts';
import { fullJitterDelay, isRetriableAwsError, retry, type RetryOptions } from '../../../stream/retry/backoff.ts';
import { NonRetriableError, RetriesExceededError } from '../../../stream/retry/errors.ts';

const BASE = 100;
const CAP = 5000;

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded for shard'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
}

/** Options whose sleeps are recorded instead of waited for. */
function recording(random: () => number, maxAttempts = 8): { options: RetryOptions; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      maxAttempts,
      baseDelayMs: BASE,
      maxDelayMs: CAP,
      random,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  };
}

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base·2^n)] for seeded draws', () => {
    const rng = Rng.seeded(7);
    for (let n = 0; n < 40; n += 1) {
      const ceiling = Math.min(CAP, BASE * 2 ** n);
      for (let draw = 0; draw < 50; draw += 1) {
        const delay = fullJitterDelay(n, BASE, CAP, () => rng.float());
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spans the whole window: 0 at the bottom, the capped ceiling at the top', () => {
    expect(fullJitterDelay(3, BASE, CAP, () => 0)).toBe(0);
    expect(fullJitterDelay(3, BASE, CAP, () => 0.5)).toBe(400);
    expect(fullJitterDelay(10, BASE, CAP, () => 0.5)).toBe(2500);
    // Far past the cap, 2^n overflows to Infinity; the cap still holds.
    expect(fullJitterDelay(2000, BASE, CAP, () => 0.999)).toBeCloseTo(4995);
  });
});

describe('retry', () => {
  it('retries retriable errors and sleeps a full-jitter delay before each retry', async () => {
    const rng = Rng.seeded(11);
    const { options, sleeps } = recording(() => rng.float());
    let calls = 0;
    const result = await retry(async (attempt) => {
      calls += 1;
      expect(attempt).toBe(calls);
      if (calls < 6) throw throttled();
      return 'done';
    }, options);
    expect(result).toBe('done');
    expect(sleeps).toHaveLength(5);
    sleeps.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(CAP, BASE * 2 ** n));
    });
  });

  it('sleeps exactly random() × the window (stub random)', async () => {
    const { options, sleeps } = recording(() => 0.5, 4);
    await expect(
      retry(async () => {
        throw throttled();
      }, options),
    ).rejects.toBeInstanceOf(RetriesExceededError);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('never retries a NonRetriableError, whatever isRetriable says', async () => {
    const { options, sleeps } = recording(() => 0.5);
    let calls = 0;
    const refused = new NonRetriableError('bad input');
    await expect(
      retry(
        async () => {
          calls += 1;
          throw refused;
        },
        { ...options, isRetriable: () => true },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('rethrows a non-retriable AWS error as is, at once', async () => {
    const { options } = recording(() => 0.5);
    const notFound = Object.assign(new Error('Stream x not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    let calls = 0;
    await expect(
      retry(async () => {
        calls += 1;
        throw notFound;
      }, options),
    ).rejects.toBe(notFound);
    expect(calls).toBe(1);
  });

  it('throws RetriesExceededError with the attempts and the last cause after maxAttempts', async () => {
    const { options, sleeps } = recording(() => 0.25, 5);
    let calls = 0;
    let last: Error | undefined;
    const error = await retry(async () => {
      calls += 1;
      last = throttled();
      throw last;
    }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExceededError);
    const exceeded = error as RetriesExceededError;
    expect(calls).toBe(5);
    expect(sleeps).toHaveLength(4);
    expect(exceeded.attempts).toBe(5);
    expect(exceeded.lastCause).toBe(last);
    expect(exceeded.cause).toBe(last);
    expect(exceeded.message).toContain('5 attempts');
    expect(exceeded.message).toContain('ProvisionedThroughputExceededException');
  });

  it('rejects a maxAttempts below 1', async () => {
    const { options } = recording(() => 0.5, 0);
    await expect(retry(async () => 1, options)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('isRetriableAwsError', () => {
  const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

  it.each([
    ['throughput exceeded', named('ProvisionedThroughputExceededException')],
    ['throttling', named('ThrottlingException')],
    ['limit exceeded', named('LimitExceededException')],
    ['$retryable', named('SomethingNew', { $retryable: { throttling: true } })],
    ['HTTP 500', named('InternalFailure', { $metadata: { httpStatusCode: 500 } })],
    ['HTTP 503', named('Unknown', { $metadata: { httpStatusCode: 503 } })],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s', (_label, error) => {
    expect(isRetriableAwsError(error)).toBe(true);
  });

  it.each([
    ['validation', named('ValidationException', { $metadata: { httpStatusCode: 400 } })],
    ['missing stream', named('ResourceNotFoundException', { $metadata: { httpStatusCode: 400 } })],
    ['NonRetriableError', new NonRetriableError('no')],
    ['unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })],
    ['a string', 'oops'],
  ])('does not retry %s', (_label, error) => {
    expect(isRetriableAwsError(error)).toBe(false);
  });
});
