/**
 * A bounded run's end closes every window of its shards. Records that come after it (a DLQ
 * re-drive read by the next bounded run, records still bad) are counted in a window past every
 * event time the shard has seen: their metrics report them, and the detectors score what such a
 * window says (its records were all rejected), but must not read it as one in which every
 * campaign fell to zero. A window with events in it is still scored, and a campaign missing from
 * it is still a drop.
 */
import { describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../../detectors/shardDetector.ts';
import { encodeEvent } from '../../../stream/events/wire.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig } from '../../../stream/pipeline/shardState.ts';

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;
const config: ShardStateConfig = { windows: { sizeMs: MINUTE, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() };
const options = { maxFutureSkewMs: 300_000 };

let sequence = 0;
function impression(campaign: string, time: number): SourceRecord {
  const id = `imp-${++sequence}`;
  const body = { event_id: id, event_time: time, campaign_id: campaign, ad_id: 'a', publisher_id: 'p', site_id: 's', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 1 };
  return { shardId: 'shard-0', sequenceNumber: String(sequence), partitionKey: id, arrivalTime: time + 1_000, data: encodeEvent({ type: 'impression', body }) };
}

const malformed = (arrivalTime: number): SourceRecord => ({ shardId: 'shard-0', sequenceNumber: String(++sequence), partitionKey: 'k', arrivalTime, data: Buffer.from('{"event_id": "x", "event_time": ') });

/** `minutes` minutes of steady traffic: 20 impressions a minute for each campaign. */
function steadyTraffic(campaigns: string[], fromMinute: number, minutes: number): SourceRecord[] {
  const records: SourceRecord[] = [];
  for (let m = fromMinute; m < fromMinute + minutes; m++) for (let i = 0; i < 20; i++) for (const c of campaigns) records.push(impression(c, T0 + m * MINUTE + i * 3_000));
  return records;
}

const batch = (records: SourceRecord[]) => ({ stream: 's', shardId: 'shard-0', records, millisBehindLatest: 0 });
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
