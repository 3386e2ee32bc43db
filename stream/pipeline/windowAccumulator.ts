/**
 * What one event-time window [start, end) accumulates: a mergeable aggregate per key of every
 * configured grouping, and stream-quality counters per shard. A closed window is a *partial*
 * when it comes from one shard; partials of the same window from several shards merge into the
 * window of the whole stream (`merge`), and either turns into metric events (`metrics`).
 */
import type { AdEvent } from '../events/types.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { Attribution, type AttributionSnapshot, type SeenIds } from './aggregates/attribution.ts';
import { funnelValues, GroupAggregate, typeValues, type GroupAggregateSnapshot } from './aggregates/groupAggregate.ts';
import { QuantileSketch, type QuantileSketchSnapshot } from './aggregates/quantileSketch.ts';
import { dimensionValue, groupKey, type Dimension } from './dimensions.ts';

/** Counted by arrival (the window holding the shard's event-time frontier), not by event time. */
export class QualityTotals {
  valid = 0;
  rejected = 0;
  duplicates = 0;
  late = 0;
  /** How far behind the shard's frontier each valid event arrived, in ms (out-of-orderness). */
  delays = new QuantileSketch();
  /**
   * Arrival time on the stream minus event time, in ms: how long events took to reach Kinesis.
   * Deterministic in replay, because a recording keeps each record's arrival timestamp.
   */
  arrivalDelays = new QuantileSketch();

  get total(): number {
    return this.valid + this.rejected + this.duplicates + this.late;
  }

  merge(other: QualityTotals): void {
    this.valid += other.valid;
    this.rejected += other.rejected;
    this.duplicates += other.duplicates;
    this.late += other.late;
    this.delays.merge(other.delays);
    this.arrivalDelays.merge(other.arrivalDelays);
  }

  snapshot(): QualitySnapshot {
    const { valid, rejected, duplicates, late } = this;
    return { valid, rejected, duplicates, late, delays: this.delays.snapshot(), arrivalDelays: this.arrivalDelays.snapshot() };
  }

  static restore(snapshot: QualitySnapshot): QualityTotals {
    const quality = new QualityTotals();
    quality.valid = snapshot.valid;
    quality.rejected = snapshot.rejected;
    quality.duplicates = snapshot.duplicates;
    quality.late = snapshot.late;
    quality.delays = QuantileSketch.restore(snapshot.delays);
    // Snapshots from before arrival delays were kept have none: the window starts them empty.
    if (snapshot.arrivalDelays) quality.arrivalDelays = QuantileSketch.restore(snapshot.arrivalDelays);
    return quality;
  }
}

export interface QualitySnapshot {
  valid: number;
  rejected: number;
  duplicates: number;
  late: number;
  delays: QuantileSketchSnapshot;
  arrivalDelays?: QuantileSketchSnapshot;
}

interface Group {
  dimensions: Record<string, string>;
  /** Keys with the event type report per-type volumes; the others the funnel and its ratios. */
  byType: boolean;
  aggregate: GroupAggregate;
  /** Funnel keys only: clicks and conversions whose impression or click was never seen. */
  attribution?: Attribution;
}

export interface WindowSnapshot {
  start: number;
  end: number;
  groups: { key: string; dimensions: Record<string, string>; byType: boolean; aggregate: GroupAggregateSnapshot; attribution?: AttributionSnapshot }[];
  quality: { shard: string; totals: QualitySnapshot }[];
}

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function qualityValues(q: QualityTotals): Record<string, number> {
  return {
    valid: q.valid,
    rejected: q.rejected,
    duplicates: q.duplicates,
    late: q.late,
    ingestion_delay_p50_ms: q.delays.quantile(0.5),
    ingestion_delay_p99_ms: q.delays.quantile(0.99),
    ...(q.arrivalDelays.count > 0 ? { arrival_delay_p50_ms: q.arrivalDelays.quantile(0.5), arrival_delay_p99_ms: q.arrivalDelays.quantile(0.99) } : {}),
  };
}

export class WindowAccumulator {
  readonly groups = new Map<string, Group>();
  readonly quality = new Map<string, QualityTotals>();

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /**
   * Per grouping (by identity), its groups by dimension value, one nested map per dimension: an
   * event finds its group from the values it carries, without building the key string, which
   * was an allocation per event and grouping. `groups` stays the source of truth.
   */
  private readonly byValues = new Map<readonly Dimension[], Map<string, unknown>>();

  addEvent(event: AdEvent, groupings: readonly (readonly Dimension[])[]): void {
    for (const grouping of groupings) {
      const group = this.groupOf(event, grouping);
      group.aggregate.add(event);
      group.attribution?.add(event);
    }
  }

  private groupOf(event: AdEvent, grouping: readonly Dimension[]): Group {
    if (grouping.length === 0) return this.groupByKey(event, grouping);
    let level = this.byValues.get(grouping);
    if (!level) this.byValues.set(grouping, (level = new Map()));
    const last = grouping.length - 1;
    for (let i = 0; i < last; i++) {
      const value = dimensionValue(event, grouping[i]);
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (!next) level.set(value, (next = new Map()));
      level = next;
    }
    const value = dimensionValue(event, grouping[last]);
    let group = level.get(value) as Group | undefined;
    if (!group) level.set(value, (group = this.groupByKey(event, grouping)));
    return group;
  }

  /** The group of the event's key, created if new (it may exist already: merged or restored). */
  private groupByKey(event: AdEvent, grouping: readonly Dimension[]): Group {
    const key = groupKey(event, grouping);
    let group = this.groups.get(key);
    if (!group) {
      const dimensions: Record<string, string> = {};
      for (const dimension of grouping) dimensions[dimension] = dimensionValue(event, dimension);
      const byType = grouping.includes('type');
      group = { dimensions, byType, aggregate: new GroupAggregate(), attribution: byType ? undefined : new Attribution() };
      this.groups.set(key, group);
    }
    return group;
  }

  qualityOf(shardId: string): QualityTotals {
    let quality = this.quality.get(shardId);
    if (!quality) {
      quality = new QualityTotals();
      this.quality.set(shardId, quality);
    }
    return quality;
  }

  /** Adds another partial of the same window (from another shard, or another worker). */
  merge(other: WindowAccumulator): void {
    if (other.start !== this.start || other.end !== this.end) {
      throw new RangeError(`cannot merge window [${other.start}, ${other.end}) into [${this.start}, ${this.end})`);
    }
    for (const [key, group] of other.groups) {
      let mine = this.groups.get(key);
      if (!mine) {
        // A group new here is merged into empty parts, which copies it: the same state a restore
        // of its snapshot gave, without the snapshot (110 MB of a warm bench pass, as the stream
        // merger copies every shard's first partial of a window).
        mine = { ...group, aggregate: new GroupAggregate(), attribution: group.attribution && new Attribution() };
        this.groups.set(key, mine);
      }
      mine.aggregate.merge(group.aggregate);
      if (group.attribution) (mine.attribution ??= new Attribution()).merge(group.attribution);
    }
    for (const [shard, quality] of other.quality) this.qualityOf(shard).merge(quality);
  }

  /** Once the window is closed: looks up what its clicks and conversions refer to (attribution.ts). */
  resolveReferences(seen: SeenIds): void {
    for (const group of this.groups.values()) group.attribution?.resolve(seen);
  }

  /**
   * The window's quality over every shard in it (a merged window holds each shard's totals):
   * the stream's own health, where `metrics` reports it per shard.
   */
  streamQuality(watermark: number): MetricEvent | undefined {
    const total = new QualityTotals();
    for (const q of this.quality.values()) total.merge(q);
    if (total.total === 0) return undefined;
    return { windowStart: this.start, windowEnd: this.end, watermark, key: 'quality=stream', dimensions: { quality: 'stream' }, values: qualityValues(total) };
  }

  /** Whether an event reached the window by its event time (stream/pipeline/detectorInput.ts says why it matters). */
  heldEvents(): boolean {
    if (this.groups.size > 0) return true;
    for (const q of this.quality.values()) if (q.valid > 0) return true;
    return false;
  }

  /** Metric events of the closed window, sorted by key so output order is deterministic. */
  metrics(watermark: number): MetricEvent[] {
    const { start, end } = this;
    const metrics: MetricEvent[] = [];
    // Each event written out member by member, in the order `{ ...base, key, … }` gave them: the
    // spread of a shared base made every event's object slow to build and to read (the bench
    // replay's 720 calls 193 → 63 ms of CPU, and the EMF lines written from them 284 → 207 ms).
    for (const [key, group] of this.groups) {
      const values = group.byType ? typeValues(group.aggregate) : funnelValues(group.aggregate);
      if (group.attribution) {
        values.orphan_clicks = group.attribution.orphanClicks;
        values.orphan_conversions = group.attribution.orphanConversions;
      }
      metrics.push({ windowStart: start, windowEnd: end, watermark, key, dimensions: { ...group.dimensions }, values });
    }
    for (const [shard, q] of this.quality) {
      if (q.total === 0) continue;
      metrics.push({ windowStart: start, windowEnd: end, watermark, key: `quality=stream|shard=${shard}`, dimensions: { quality: 'stream', shard }, values: qualityValues(q) });
    }
    return metrics.sort(byKey);
  }

  snapshot(): WindowSnapshot {
    return {
      start: this.start,
      end: this.end,
      groups: [...this.groups].map(([key, g]) => ({
        key,
        dimensions: g.dimensions,
        byType: g.byType,
        aggregate: g.aggregate.snapshot(),
        ...(g.attribution ? { attribution: g.attribution.snapshot() } : {}),
      })),
      quality: [...this.quality].map(([shard, totals]) => ({ shard, totals: totals.snapshot() })),
    };
  }

  static restore(snapshot: WindowSnapshot): WindowAccumulator {
    const window = new WindowAccumulator(snapshot.start, snapshot.end);
    for (const g of snapshot.groups) {
      // Snapshots from before attribution have none: such a funnel key starts counting from here.
      const attribution = g.byType ? undefined : Attribution.restore(g.attribution);
      window.groups.set(g.key, { dimensions: g.dimensions, byType: g.byType, aggregate: GroupAggregate.restore(g.aggregate), attribution });
    }
    for (const { shard, totals } of snapshot.quality) window.quality.set(shard, QualityTotals.restore(totals));
    return window;
  }
}
