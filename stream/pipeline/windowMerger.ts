/**
 * Merges the partial aggregates that shards fire for the same window into the window of the whole
 * stream, and emits it once the pipeline watermark (min over active shards) has passed its end
 * plus the allowed lateness: by then every active shard has fired its partial, so the result does
 * not depend on how shards are spread over workers. Merges commute, and the emitted watermark is
 * the largest of the partials' own (each fixed by its shard's records), so 1 worker and 3 workers
 * give the same metric events.
 *
 * A partial that arrives after its window was emitted (its shard was idle, then woke up) is not
 * merged into a result already published; it is counted in `latePartials`, never dropped silently.
 *
 * The shards' quality alerts travel with their partials and wait with their window: fired with it,
 * they are notified together with the stream's own (streamNotifications.ts). One whose window was
 * emitted already is handed back at once, to be sent as the shard would have sent it.
 */
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { ClosedWindow } from './eventTimeWindows.ts';
import { WindowAccumulator, type WindowSnapshot } from './windowAccumulator.ts';
import { closedWindowMetrics, type ClosedWindowMetrics } from './detectorInput.ts';

export const STREAM_SCOPE = 'scope=stream';

/**
 * A merged window as metric events: its group keys and the stream's quality, each marked
 * `scope=stream` (in the key and as a dimension), since the shards send their partials of the
 * same keys to the same outputs. Per-shard quality is the shards' own output and is left out.
 */
export function streamWindowMetrics(window: WindowAccumulator, watermark: number): MetricEvent[] {
  const quality = window.streamQuality(watermark);
  const whole = [...window.metrics(watermark).filter((metric) => metric.dimensions.shard === undefined), ...(quality ? [quality] : [])];
  return whole.map((metric) => ({ ...metric, key: `${STREAM_SCOPE}|${metric.key}`, dimensions: { scope: 'stream', ...metric.dimensions } }));
}

/**
 * The stream's quality among merged metric events, under the key the detectors match
 * (`quality=stream`): what the live stream-window merge and replay both alert on.
 */
const streamQualitySeries = (events: readonly MetricEvent[]): MetricEvent[] =>
  events.filter((event) => event.key === `${STREAM_SCOPE}|quality=stream`).map((event) => ({ ...event, key: 'quality=stream' }));

export interface StreamWindowMetrics {
  /** The merged windows' metric events, for the metrics outputs. */
  events: MetricEvent[];
  /** The stream's quality series of each window, for the detectors (stream/pipeline/detectorInput.ts). */
  quality: ClosedWindowMetrics[];
}

export function streamMetricsOf(fired: readonly { window: WindowAccumulator; watermark: number }[]): StreamWindowMetrics {
  const byWindow = fired.map(({ window, watermark }) => ({ window, events: streamWindowMetrics(window, watermark) }));
  return {
    events: byWindow.flatMap(({ events }) => events),
    quality: byWindow.map(({ window, events }) => closedWindowMetrics(window, streamQualitySeries(events))).filter(({ metrics }) => metrics.length > 0),
  };
}

export interface WindowMergerSnapshot {
  pending: { window: WindowSnapshot; watermark: number }[];
  emittedThroughEnd: number | null;
  latePartials: number;
  /** Shards' alerts of windows not emitted yet (absent in snapshots from before they were kept). */
  alerts?: AlertEvent[];
}

/** A merged window, fired. */
export interface FiredWindow {
  window: WindowAccumulator;
  watermark: number;
}

export class WindowMerger {
  private readonly pending = new Map<number, { window: WindowAccumulator; watermark: number }>();
  /** Shards' alerts waiting for their window to fire, in the order they came. */
  private alerts: AlertEvent[] = [];
  /** End of the newest window emitted; windows end in start order, so this marks all emitted ones. */
  private emittedThroughEnd = -Infinity;
  latePartials = 0;

  constructor(private readonly allowedLatenessMs: number) {}

  /**
   * A shard's partials and its alerts of those windows (its quality alerts). Returns the alerts
   * whose window was emitted already: late, like their partial, they are for sending now.
   */
  add(partials: readonly ClosedWindow[], alerts: readonly AlertEvent[] = []): AlertEvent[] {
    const late: AlertEvent[] = [];
    for (const alert of alerts) {
      if (alert.windowEnd <= this.emittedThroughEnd) late.push(alert);
      else this.alerts.push(alert);
    }
    for (const { window, watermark } of partials) {
      if (window.end <= this.emittedThroughEnd) {
        this.latePartials += 1;
        continue;
      }
      const entry = this.pending.get(window.start);
      if (!entry) {
        const copy = new WindowAccumulator(window.start, window.end);
        copy.merge(window);
        this.pending.set(window.start, { window: copy, watermark });
      } else {
        entry.window.merge(window);
        entry.watermark = Math.max(entry.watermark, watermark);
      }
    }
    return late;
  }

  /** Windows the pipeline watermark has passed (all when `final`), merged, oldest first. */
  fire(pipelineWatermark: number, final = false): FiredWindow[] {
    const ready = [...this.pending.keys()]
      .filter((start) => final || this.pending.get(start)!.window.end + this.allowedLatenessMs <= pipelineWatermark)
      .sort((a, b) => a - b);
    return ready.map((start) => {
      const entry = this.pending.get(start)!;
      this.pending.delete(start);
      this.emittedThroughEnd = Math.max(this.emittedThroughEnd, entry.window.end);
      return entry;
    });
  }

  /**
   * The shards' alerts of the windows fired so far (after `fire`): every alert waiting whose
   * window ends by the newest end emitted (windows fire oldest first, so none of those is still to
   * come), all when `final`.
   */
  takeAlerts(final = false): AlertEvent[] {
    const taken = this.alerts.filter((alert) => final || alert.windowEnd <= this.emittedThroughEnd);
    if (taken.length > 0) this.alerts = final ? [] : this.alerts.filter((alert) => alert.windowEnd > this.emittedThroughEnd);
    return taken;
  }

  /** `fire`, as the stream's metric events and the stream quality series the detectors score among them, with `takeAlerts`. */
  fireMetrics(pipelineWatermark: number, final = false): StreamWindowMetrics & { alerts: AlertEvent[] } {
    return { ...streamMetricsOf(this.fire(pipelineWatermark, final)), alerts: this.takeAlerts(final) };
  }

  get pendingWindows(): number {
    return this.pending.size;
  }

  snapshot(): WindowMergerSnapshot {
    return {
      pending: [...this.pending.values()].map(({ window, watermark }) => ({ window: window.snapshot(), watermark })),
      emittedThroughEnd: Number.isFinite(this.emittedThroughEnd) ? this.emittedThroughEnd : null,
      latePartials: this.latePartials,
      ...(this.alerts.length > 0 ? { alerts: this.alerts.map((alert) => ({ ...alert })) } : {}),
    };
  }

  static restore(allowedLatenessMs: number, snapshot: WindowMergerSnapshot): WindowMerger {
    const merger = new WindowMerger(allowedLatenessMs);
    for (const { window, watermark } of snapshot.pending) merger.pending.set(window.start, { window: WindowAccumulator.restore(window), watermark });
    merger.emittedThroughEnd = snapshot.emittedThroughEnd ?? -Infinity;
    merger.latePartials = snapshot.latePartials;
    merger.alerts = [...(snapshot.alerts ?? [])];
    return merger;
  }
}
