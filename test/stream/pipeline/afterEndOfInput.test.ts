/**
 * A bounded run's end closes every window of its shards. Records that come after it (a DLQ
 * re-drive read by the next bounded run, records still bad) are counted in a window past every
 * event time the shard has seen: their metrics report them, and the detectors score what such a
 * window says (its records were all rejected), but must not read it as one in which every
 * campaign fell to zero. A window with events in it is still scored, and a campaign missing from
 * it is still a drop.
 */
import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../../detectors/alertLifecycle.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';
import { MINUTE, T0, batch, impression, malformed, processOptions as options, shardConfig as config, steadyTraffic } from './support/shardTraffic.ts';

const drops = (alerts: { title?: string; key?: string; message?: string }[]) => alerts.map((a) => JSON.stringify(a)).filter((a) => a.includes('dropped'));

describe('records after a bounded run closed every window', () => {
  it('are counted in a window of their own, scored for their rejections, not read as every campaign dropped to zero', () => {
    const state = ShardState.create(config, 'shard-0');
    const run = processBatch(batch(steadyTraffic(['c1', 'c2'], 0, 40)), state, { ...options, final: true });
    expect(drops(run.alerts)).toEqual([]);
    // The next bounded run reads only a re-drive of still-malformed records, weeks later by the clock.
    const redrive = processBatch(batch(Array.from({ length: 200 }, () => malformed(T0 + 30 * 24 * 60 * MINUTE))), state, { ...options, final: true });
    expect(redrive.rejected).toHaveLength(200);
    const quality = redrive.metrics.filter((m) => m.key === 'quality=stream|shard=shard-0');
    expect(quality.map((m) => [m.windowStart, m.values.rejected, m.values.valid])).toEqual([[T0 + 40 * MINUTE, 200, 0]]);
    // What such a window does say is still said: every record in it was rejected.
    expect(drops(redrive.alerts)).toEqual([]);
    expect(redrive.alerts.map((a) => a.detector)).toEqual(['rejected_rate']);
  });

  it('raise nothing when they are the fixed records of a re-drive: late, since their windows closed, as expected', () => {
    const state = ShardState.create(config, 'shard-0');
    processBatch(batch(steadyTraffic(['c1', 'c2'], 0, 40)), state, { ...options, final: true });
    // Valid now, dated inside the closed windows: each is late, and written; none is an alert.
    const fixed = Array.from({ length: 20 }, (_, i) => ({ ...impression('c1', T0 + 10 * MINUTE + i * 1_000), arrivalTime: T0 + 30 * 24 * 60 * MINUTE }));
    const redrive = processBatch(batch(fixed), state, { ...options, final: true });
    expect([redrive.events.length, redrive.late]).toEqual([20, 20]);
    expect(redrive.metrics.filter((m) => m.key === 'quality=stream|shard=shard-0').map((m) => m.values.late)).toEqual([20]);
    expect(redrive.alerts).toEqual([]);
  });

  it('still scores a window with events in it, where a campaign that stopped is a drop', () => {
    const state = ShardState.create(config, 'shard-0');
    processBatch(batch(steadyTraffic(['c1', 'c2'], 0, 40)), state, { ...options, final: true });
    // c1 stops, c2 goes on: c1's absence from these windows is a drop to zero.
    const after = processBatch(batch(steadyTraffic(['c2'], 40, 3)), state, { ...options, final: true });
    expect(drops(after.alerts).some((a) => a.includes('c1'))).toBe(true);
    expect(drops(after.alerts).some((a) => a.includes('c2'))).toBe(false);
  });
});

describe('the end of a bounded run', () => {
  it('sends what the detector still held back (a resolution waiting for its group), and only then', () => {
    const held = buildAlert(
      { detector: 'event_volume', key: 'campaign=c1|type=impression', dimensions: { campaign: 'c1', type: 'impression' }, metric: 'count', observed: 20, expected: 20, strength: { p: 0.5 }, score: 0, since: T0, windowStart: T0, windowEnd: T0 + MINUTE, severity: 'warning' },
      'resolved',
    );
    const state = ShardState.create({ ...config, createDetector: () => ({ observe: () => [], snapshot: () => null, flush: () => [held] }) }, 'shard-0');
    expect(processBatch(batch(steadyTraffic(['c1'], 0, 2)), state, options).alerts).toEqual([]);
    expect(processBatch(batch([]), state, { ...options, final: true }).alerts).toEqual([held]);
  });
});
