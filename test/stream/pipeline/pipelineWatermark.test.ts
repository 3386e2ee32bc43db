/**
 * The pipeline watermark's idleness on its own, with a hand-driven clock: what counts as a
 * shard's activity. Expected values follow from the rule: a shard idle for idleTimeoutMs stops
 * holding the watermark back.
 */
import { describe, expect, it } from 'vitest';
import { PipelineWatermark } from '../../../stream/pipeline/pipelineWatermark.ts';

describe('pipeline watermark idleness', () => {
  it('a shard polled empty for the idle timeout stops holding the watermark back: empty polls are not activity', () => {
    // Idle timeout 20 ms. Shard A reports records up to watermark 100 every 5 ms; shard B reported
    // watermark 0 at 0 ms and then only empty polls (every 5 ms). At 20 ms B is idle: the
    // watermark is A's, 100. Counted as activity, the empty polls held it at 0 for good.
    const clock = { now: 0 };
    const watermark = new PipelineWatermark({ idleTimeoutMs: 20, now: () => clock.now });
    watermark.observe('A', 100);
    watermark.observe('B', 0);
    expect(watermark.value).toBe(0);
    for (clock.now = 5; clock.now <= 20; clock.now += 5) {
      watermark.observe('A', 100);
      watermark.observe('B', 0, false);
      expect(watermark.value).toBe(clock.now < 20 ? 0 : 100);
    }
  });

  it('when every shard is idle it stands at the furthest shard\'s watermark, and it never goes back when a shard wakes up', () => {
    // A at 50, B at 130, both last active at 0 ms, idle timeout 20 ms. Before 20 ms: min = 50. At
    // 20 ms both are idle: the furthest, 130 (not beyond it: windows ending after 130 stay open).
    // At 25 ms A reports 60 again: the minimum of the active shards is 60, but the watermark
    // already passed 130 and windows up to it have fired; it stays at 130.
    const clock = { now: 0 };
    const watermark = new PipelineWatermark({ idleTimeoutMs: 20, now: () => clock.now });
    watermark.observe('A', 50);
    watermark.observe('B', 130);
    expect(watermark.value).toBe(50);
    clock.now = 20;
    expect(watermark.value).toBe(130);
    clock.now = 25;
    watermark.observe('A', 60);
    expect(watermark.value).toBe(130);
  });
});
