/**
 * Tumbling event-time windows for one shard, closed by a watermark.
 *
 * watermark = newest event time seen − maxOutOfOrdernessMs. An event is late when its window's
 * end + allowedLatenessMs is at or before the watermark *before* the event is added; such events
 * are counted (and still written to the lake by the caller) but never change a closed window.
 * Because lateness is decided per record against that rule, a window's contents do not depend on
 * how records were cut into batches, which is what makes restarts and replays reproducible.
 */
import type { AdEvent } from '../events/types.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { addEventToWindow, emptyWindow, windowMetrics, type WindowAccumulator } from './windowAccumulator.ts';

export interface WindowConfig {
  sizeMs: number;
  maxOutOfOrdernessMs: number;
  allowedLatenessMs: number;
}

export interface WindowsSnapshot {
  newestEventTime: number | null;
  windows: WindowAccumulator[];
  pendingBeforeFirstEvent: { rejected: number; duplicates: number };
}

export class EventTimeWindows {
  private newestEventTime = -Infinity;
  private readonly open = new Map<number, WindowAccumulator>();
  /** Rejections and duplicates seen before the shard's first valid event have no window yet. */
  private pendingBeforeFirstEvent = { rejected: 0, duplicates: 0 };

  constructor(
    private readonly config: WindowConfig,
    private readonly shardId: string,
  ) {}

  get watermark(): number {
    return this.newestEventTime - this.config.maxOutOfOrdernessMs;
  }

  private windowStartOf(time: number): number {
    return time - (((time % this.config.sizeMs) + this.config.sizeMs) % this.config.sizeMs);
  }

  private windowAt(start: number): WindowAccumulator {
    let window = this.open.get(start);
    if (!window) {
      window = emptyWindow(start);
      this.open.set(start, window);
    }
    return window;
  }

  /** Quality counts go to the window that holds the shard's frontier: where the record arrived. */
  private arrivalWindow(): WindowAccumulator | undefined {
    return Number.isFinite(this.newestEventTime) ? this.windowAt(this.windowStartOf(this.newestEventTime)) : undefined;
  }

  private isClosed(windowStart: number): boolean {
    return windowStart + this.config.sizeMs + this.config.allowedLatenessMs <= this.watermark;
  }

  /** Adds a valid, first-seen event. Returns false when it is late (counted, not aggregated). */
  addEvent(event: AdEvent): boolean {
    const time = event.body.event_time;
    const start = this.windowStartOf(time);
    const late = this.isClosed(start);
    const delayMs = Number.isFinite(this.newestEventTime) ? Math.max(0, this.newestEventTime - time) : 0;
    if (time > this.newestEventTime) this.newestEventTime = time;
    const arrival = this.arrivalWindow()!;
    arrival.quality.delaysMs.push(delayMs);
    if (late) {
      arrival.quality.late += 1;
      return false;
    }
    arrival.quality.valid += 1;
    addEventToWindow(this.windowAt(start), event);
    return true;
  }

  /** Rejected and duplicate records have no trustworthy event time: count them at arrival. */
  countAtArrival(kind: 'rejected' | 'duplicates'): void {
    const window = this.arrivalWindow();
    if (window) window.quality[kind] += 1;
    else this.pendingBeforeFirstEvent[kind] += 1;
  }

  /** Closes every window the watermark has passed (all of them when `final`), oldest first. */
  close(final = false): MetricEvent[] {
    const pending = this.pendingBeforeFirstEvent;
    const first = this.arrivalWindow();
    if (first && pending.rejected + pending.duplicates > 0) {
      first.quality.rejected += pending.rejected;
      first.quality.duplicates += pending.duplicates;
      pending.rejected = pending.duplicates = 0;
    }
    const closing = [...this.open.keys()].filter((start) => final || this.isClosed(start)).sort((a, b) => a - b);
    const metrics: MetricEvent[] = [];
    for (const start of closing) {
      metrics.push(...windowMetrics(this.open.get(start)!, this.config.sizeMs, this.watermark, this.shardId));
      this.open.delete(start);
    }
    return metrics;
  }

  snapshot(): WindowsSnapshot {
    return {
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      windows: [...this.open.values()],
      pendingBeforeFirstEvent: { ...this.pendingBeforeFirstEvent },
    };
  }

  static restore(config: WindowConfig, shardId: string, snapshot: WindowsSnapshot): EventTimeWindows {
    const windows = new EventTimeWindows(config, shardId);
    windows.newestEventTime = snapshot.newestEventTime ?? -Infinity;
    windows.pendingBeforeFirstEvent = { ...snapshot.pendingBeforeFirstEvent };
    for (const window of snapshot.windows) windows.open.set(window.start, structuredClone(window));
    return windows;
  }
}
