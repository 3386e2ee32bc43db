/**
 * The default anomaly plan: one label per kind, and each anomaly visible in the records as the
 * pipeline decodes them (counts per minute inside the labelled interval against the hour before).
 */
import { describe, expect, it } from 'vitest';
import { generateTraffic } from '../../../stream/generator/traffic.ts';
import { ANOMALY_KINDS } from '../../../stream/generator/config.ts';
import type { AnomalyLabel, GeneratedRecord } from '../../../stream/generator/types.ts';
import { decodeRecord } from '../../../stream/events/wire.ts';
import type { AdEvent } from '../../../stream/events/types.ts';

const ARRIVAL = Date.UTC(2026, 10, 23);
const START = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;
const MIN = 60_000;

const run = generateTraffic({ seed: 42, impressionsPerMinute: 200 });
const records = [...run.records];
/** Decoded event per record (null for malformed), index-aligned with `records`. */
const decoded: (AdEvent | null)[] = records.map((r) => {
  const d = decodeRecord(r.data, { arrivalTime: ARRIVAL });
  return d.ok ? d.event : null;
});
const label = (kind: AnomalyLabel['kind']): AnomalyLabel => run.labels.find((l) => l.kind === kind) as AnomalyLabel;
const campaignOf = (l: AnomalyLabel): string => l.key.replace('campaign=', '');

/** Valid (non-duplicate) events of a type in [from, to), optionally of one campaign. */
function events(type: AdEvent['type'], from: number, to: number, campaign?: string): AdEvent[] {
  return decoded.filter(
    (e, i): e is AdEvent =>
      e !== null &&
      records[i].truth.kind === 'valid' &&
      e.type === type &&
      e.body.event_time >= from &&
      e.body.event_time < to &&
      (campaign === undefined || e.body.campaign_id === campaign),
  );
}
const perMinute = (n: number, from: number, to: number): number => n / ((to - from) / MIN);

describe('default anomaly plan', () => {
  it('labels one anomaly of each kind, 10–20 minutes each, after a 1 h warm-up, not overlapping', () => {
    expect(run.labels.map((l) => l.kind).sort()).toEqual([...ANOMALY_KINDS].sort());
    const sorted = [...run.labels].sort((a, b) => a.start - b.start);
    sorted.forEach((l, i) => {
      expect(l.start).toBeGreaterThanOrEqual(START + HOUR);
      expect(l.end).toBeLessThanOrEqual(START + 6 * HOUR);
      expect((l.end - l.start) / MIN).toBeGreaterThanOrEqual(10);
      expect((l.end - l.start) / MIN).toBeLessThanOrEqual(20);
      if (i > 0) expect(l.start).toBeGreaterThanOrEqual(sorted[i - 1].end);
    });
  });

  it('keys campaign anomalies by distinct campaigns, large ones for supply anomalies, and stream anomalies by *', () => {
    const campaignKinds = ['traffic_drop', 'click_flood', 'conversion_drop', 'bid_win_rate_collapse'] as const;
    const keys = campaignKinds.map((k) => label(k).key);
    keys.forEach((k) => expect(k).toMatch(/^campaign=c\d{3}$/));
    expect(new Set(keys).size).toBe(4);
    for (const k of ['ingestion_delay', 'duplicate_storm', 'malformed_burst'] as const) expect(label(k).key).toBe('*');
    const bySize = [...run.campaigns].sort((a, b) => b.share - a.share).map((c) => c.id);
    expect(bySize.indexOf(campaignOf(label('traffic_drop')))).toBeLessThan(5);
    expect(bySize.indexOf(campaignOf(label('bid_win_rate_collapse')))).toBeLessThan(5);
  });

  it('is the same for the same seed and moves with the seed', () => {
    expect(generateTraffic({ seed: 42 }).labels).toEqual(run.labels);
    expect(generateTraffic({ seed: 43 }).labels).not.toEqual(run.labels);
  });
});

describe('anomaly effects in the data', () => {
  it('traffic_drop: the campaign’s impressions per minute fall below 30 % of the hour before', () => {
    const l = label('traffic_drop');
    const c = campaignOf(l);
    const before = perMinute(events('impression', l.start - HOUR, l.start, c).length, l.start - HOUR, l.start);
    const during = perMinute(events('impression', l.start, l.end, c).length, l.start, l.end);
    expect(before).toBeGreaterThan(3);
    expect(during).toBeLessThan(0.3 * before);
  });

  it('bid_win_rate_collapse: the campaign’s bid win rate falls below 30 % of the hour before, bids keep coming', () => {
    const l = label('bid_win_rate_collapse');
    const c = campaignOf(l);
    const winRate = (from: number, to: number) => {
      const bids = events('bid_request', from, to, c);
      return { n: bids.length, rate: bids.filter((e) => e.type === 'bid_request' && e.body.won).length / bids.length };
    };
    const before = winRate(l.start - HOUR, l.start);
    const during = winRate(l.start, l.end);
    expect(during.rate).toBeLessThan(0.3 * before.rate);
    expect(perMinute(during.n, l.start, l.end)).toBeGreaterThan(0.7 * perMinute(before.n, l.start - HOUR, l.start));
  });

  it('click_flood: the campaign’s clicks per minute rise over 5× the hour before, mostly from a handful of users', () => {
    const l = label('click_flood');
    const c = campaignOf(l);
    const before = perMinute(events('click', l.start - HOUR, l.start, c).length, l.start - HOUR, l.start);
    const clicks = events('click', l.start, l.end, c);
    expect(clicks.length).toBeGreaterThan(10);
    expect(perMinute(clicks.length, l.start, l.end)).toBeGreaterThan(5 * Math.max(before, 0.05));
    const byUser = new Map<string, number>();
    for (const e of clicks) byUser.set(e.body.user_id, (byUser.get(e.body.user_id) ?? 0) + 1);
    const top4 = [...byUser.values()].sort((a, b) => b - a).slice(0, 4).reduce((a, b) => a + b, 0);
    expect(top4 / clicks.length).toBeGreaterThan(0.7);
  });

  it('ingestion_delay: about half the interval’s events arrive 5–10 minutes late, behind newer events', () => {
    const l = label('ingestion_delay');
    let newest = -Infinity;
    const lags: number[] = [];
    records.forEach((r, i) => {
      if (r.truth.kind !== 'valid') return;
      const t = (decoded[i] as AdEvent).body.event_time;
      if (t >= l.start && t < l.end) lags.push(newest - t);
      newest = Math.max(newest, t);
    });
    const late = lags.filter((lag) => lag > 0);
    // Emission is released a minute at a time, so the newest event seen may trail by up to a minute.
    expect(late.filter((lag) => lag < 4 * MIN || lag > 10 * MIN)).toEqual([]);
    expect(late.length / lags.length).toBeGreaterThan(0.3);
    expect(late.length / lags.length).toBeLessThan(0.7);
    // The delayed publishers are a fixed set, spanning campaigns.
    const lateCampaigns = new Set<string>();
    let newestSeen = -Infinity;
    records.forEach((r, i) => {
      const e = decoded[i];
      if (r.truth.kind !== 'valid' || !e) return;
      if (e.body.event_time >= l.start && e.body.event_time < l.end && newestSeen > e.body.event_time) lateCampaigns.add(e.body.campaign_id);
      newestSeen = Math.max(newestSeen, e.body.event_time);
    });
    expect(lateCampaigns.size).toBeGreaterThan(20);
  });

  it('keeps event-time order for every valid event outside the ingestion delay', () => {
    const l = label('ingestion_delay');
    const times = records
      .filter((r) => r.truth.kind === 'valid' && !(r.truth.eventTime >= l.start && r.truth.eventTime < l.end))
      .map((r) => (r.truth.kind === 'valid' ? r.truth.eventTime : 0));
    expect(times.filter((t, i) => i > 0 && t < times[i - 1])).toEqual([]);
  });

  it('duplicate_storm: ~30 % of records in the interval are byte-identical re-sends, ~1 % elsewhere', () => {
    const l = label('duplicate_storm');
    const firstSeen = new Map<string, number>();
    let inside = 0;
    let insideDup = 0;
    let outside = 0;
    let outsideDup = 0;
    const bad: number[] = [];
    records.forEach((r, i) => {
      const e = decoded[i];
      if (!e) return;
      const id = e.body.event_id;
      const isDup = firstSeen.has(id);
      if (isDup) {
        // A retry repeats the original's bytes, shortly after it.
        const original = records[firstSeen.get(id) as number];
        if (!original.data.equals(r.data) || r.truth.kind !== 'duplicate' || i - (firstSeen.get(id) as number) > 20_000) bad.push(i);
      } else {
        firstSeen.set(id, i);
        if (r.truth.kind !== 'valid') bad.push(i);
      }
      const inStorm = e.body.event_time >= l.start && e.body.event_time < l.end;
      if (inStorm) {
        inside++;
        if (isDup) insideDup++;
      } else {
        outside++;
        if (isDup) outsideDup++;
      }
    });
    expect(bad).toEqual([]);
    expect(insideDup / inside).toBeGreaterThan(0.25);
    expect(insideDup / inside).toBeLessThan(0.35);
    expect(outsideDup / outside).toBeGreaterThan(0.005);
    expect(outsideDup / outside).toBeLessThan(0.015);
  });

  it('malformed_burst: ~20 % of records around the interval are malformed, ~0.5 % elsewhere', () => {
    const l = label('malformed_burst');
    let burstRecords = 0;
    let burstBad = 0;
    let otherRecords = 0;
    let otherBad = 0;
    let lastTime = START;
    records.forEach((r, i) => {
      const e = decoded[i];
      // A malformed record carries no usable time: place it at the event it was emitted after.
      if (e) lastTime = e.body.event_time;
      const inBurst = lastTime >= l.start && lastTime < l.end;
      if (inBurst) {
        burstRecords++;
        if (!e) burstBad++;
      } else {
        otherRecords++;
        if (!e) otherBad++;
      }
    });
    expect(burstBad / burstRecords).toBeGreaterThan(0.15);
    expect(burstBad / burstRecords).toBeLessThan(0.25);
    expect(otherBad / otherRecords).toBeGreaterThan(0.003);
    expect(otherBad / otherRecords).toBeLessThan(0.008);
  });

  it('conversion_drop: the campaign’s conversions stop during the interval', () => {
    // Conversions are rare (CTR × CVR ≈ 0.1 % of impressions): a small, busy book makes the drop measurable.
    const start = Date.UTC(2026, 10, 1, 17);
    const drop = generateTraffic({
      seed: 11,
      campaigns: 4,
      impressionsPerMinute: 500,
      start,
      durationMs: 90 * MIN,
      duplicateRate: 0,
      malformedRate: 0,
      anomalies: [{ kind: 'conversion_drop', start: start + 60 * MIN, end: start + 80 * MIN }],
    });
    const l = drop.labels[0];
    const c = campaignOf(l);
    let before = 0;
    let during = 0;
    for (const r of drop.records) {
      if (r.truth.kind !== 'valid' || r.truth.eventType !== 'conversion' || r.truth.campaignId !== c) continue;
      const d = decodeRecord(r.data, { arrivalTime: ARRIVAL });
      const t = d.ok ? d.event.body.event_time : NaN;
      if (t >= l.start - HOUR && t < l.start) before++;
      if (t >= l.start && t < l.end) during++;
    }
    expect(before).toBeGreaterThanOrEqual(10);
    expect(perMinute(during, l.start, l.end)).toBeLessThan(0.2 * perMinute(before, l.start - HOUR, l.start));
  });
});

describe('malformed records', () => {
  const malformed = records.filter((r): r is GeneratedRecord & { truth: { kind: 'malformed' } } => r.truth.kind === 'malformed');

  it('decode to exactly the reason code the truth names', () => {
    expect(malformed.length).toBeGreaterThan(100);
    const mismatches = malformed
      .map((r) => {
        const d = decodeRecord(r.data, { arrivalTime: ARRIVAL });
        return { expected: r.truth.reason, got: d.ok ? 'ok' : d.rejection.reason };
      })
      .filter((m) => m.expected !== m.got);
    expect(mismatches).toEqual([]);
  });

  it('cover every producer-side reason, roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const r of malformed) counts.set(r.truth.reason, (counts.get(r.truth.reason) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(
      [
        'avro_unknown_fingerprint',
        'csv_column_count',
        'event_time_in_future',
        'json_syntax',
        'missing_field:campaign_id',
        'negative_money:cost_micros',
        'wrong_type:cost_micros',
      ].sort(),
    );
    for (const n of counts.values()) expect(n / malformed.length).toBeGreaterThan(0.1);
  });

  it('use the campaign as partition key when the record names one', () => {
    for (const r of malformed) {
      if (r.truth.reason === 'missing_field:campaign_id') expect(r.partitionKey).toBe('malformed');
      else expect(r.partitionKey).toMatch(/^c\d{3}$/);
    }
  });
});
