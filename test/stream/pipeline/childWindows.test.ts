/**
 * A child shard after a split or merge starts from its parent's final state: its dedupe ids and
 * its frontier, but not the parent's end. The parent closed its last window when it reached
 * SHARD_END; the child's records for that window are the child's own partial of it (the
 * stream-wide merge adds the two), not late records.
 */
import { describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../../detectors/shardDetector.ts';
import { encodeEvent } from '../../../stream/events/wire.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig } from '../../../stream/pipeline/shardState.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const config: ShardStateConfig = { windows: { sizeMs: 60_000, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() };

function impression(id: string, time: number, sequence: number, shardId: string): SourceRecord {
  const body = { event_id: id, event_time: time, campaign_id: 'c1', ad_id: 'a', publisher_id: 'p', site_id: 's', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 1 };
  return { shardId, sequenceNumber: String(sequence), partitionKey: 'k', arrivalTime: time + 1_000, data: encodeEvent({ type: 'impression', body }) };
}

const batch = (shardId: string, records: SourceRecord[]) => ({ stream: 's', shardId, records, millisBehindLatest: 0 });

describe('a child shard’s windows', () => {
  it('take the child’s records for the parent’s last window as on time: the parent’s end closed its own partial, not the window', () => {
    const parent = ShardState.create(config, 'parent');
    // The parent's last records, then SHARD_END: its windows close with the shard.
    const ended = processBatch(batch('parent', [impression('a1', T0 + 10_000, 1, 'parent'), impression('a2', T0 + 40_000, 2, 'parent')]), parent, { maxFutureSkewMs: 300_000, final: true });
    expect(ended.windows.map(({ window }) => window.start)).toEqual([T0]);
    const child = ShardState.forChild(config, 'child', [parent.snapshot({ inline: true })])!;
    // The child's first records fall in the same minute, 5 and 10 s after the parent's newest.
    const first = processBatch(batch('child', [impression('b1', T0 + 45_000, 3, 'child'), impression('b2', T0 + 50_000, 4, 'child'), impression('b3', T0 + 130_000, 5, 'child')]), child, { maxFutureSkewMs: 300_000 });
    expect(first.late).toBe(0);
    const count = first.metrics.find((m) => m.windowStart === T0 && m.key === 'campaign=c1|type=impression')?.values.count;
    expect(count, 'the child’s partial of the minute the parent ended in').toBe(2);
  });
});
