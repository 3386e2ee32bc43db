/**
 * SerialQueue's promise: calls run one at a time in call order, a failure stays with its caller,
 * and `settled` waits for every call made so far.
 */
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../stream/async/serialQueue.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SerialQueue', () => {
  it('runs calls one at a time in call order, the next only after the last settled, failed or not', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) => async () => {
      running += 1;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running -= 1;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run(job('a')), queue.run(job('b', true)), queue.run(job('c'))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c']);
  });

  it('settled waits for every call made so far and does not reject', async () => {
    const queue = new SerialQueue();
    let done = false;
    void queue.run(async () => {
      await tick();
      done = true;
    });
    queue.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
    await queue.settled();
    expect(done).toBe(true);
  });
});
