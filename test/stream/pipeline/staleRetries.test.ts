/**
 * A retry of an event older than the dedupe horizon (a device that was offline for hours, a
 * backfill): the two copies arrive seconds apart on one shard, behind events an hour newer. The
 * first is written (and counted late), the second is its duplicate; before, an event that old was
 * passed unremembered and both copies were written.
 */
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../../stream/events/wire.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';
import { benchStateConfig } from '../../bench/pipeline.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 1, 12);

const impression = (eventId: string, eventTime: number) =>
  encodeEvent({
    type: 'impression',
    body: { event_id: eventId, event_time: eventTime, campaign_id: 'c-1', ad_id: 'a-1', publisher_id: 'p-1', site_id: 's-1', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u-1', auction_id: null, cost_micros: 100 },
  });

describe('a retry of an event older than the dedupe horizon', () => {
  it('is a duplicate when it follows its original, in one batch or across a restart', () => {
    const records: SourceRecord[] = [
      { data: impression('recent', NOW), at: NOW },
      { data: impression('offline-1', NOW - 3 * HOUR), at: NOW + 1_000 },
      { data: impression('offline-1', NOW - 3 * HOUR), at: NOW + 3_000 },
    ].map(({ data, at }, i) => ({ shardId: 'shardId-0', sequenceNumber: String(i + 1), partitionKey: 'c-1', arrivalTime: at, data }));
    const config = { ...benchStateConfig, dedupeHorizonMs: HOUR };

    const whole = processBatch({ stream: 's', shardId: 'shardId-0', records, millisBehindLatest: 0 }, ShardState.create(config, 'shardId-0'), { maxFutureSkewMs: 300_000 });
    expect(whole.events.map((e) => e.body.event_id)).toEqual(['recent', 'offline-1']);
    expect(whole.duplicates).toBe(1);

    const state = ShardState.create(config, 'shardId-0');
    const first = processBatch({ stream: 's', shardId: 'shardId-0', records: records.slice(0, 2), millisBehindLatest: 0 }, state, { maxFutureSkewMs: 300_000 });
    const restored = ShardState.create(config, 'shardId-0', JSON.parse(JSON.stringify(state.snapshot({ inline: true }))));
    const second = processBatch({ stream: 's', shardId: 'shardId-0', records: records.slice(2), millisBehindLatest: 0 }, restored, { maxFutureSkewMs: 300_000 });
    expect([first.events.length, second.events.length, second.duplicates]).toEqual([2, 0, 1]);
  });
});
