/**
 * Event-time windows for one shard, tumbling (slide = size) or hopping (slide < size), keyed by
 * the configured groupings, closed by the shard's watermark.
 *
 * watermark = newest event time seen − maxOutOfOrdernessMs (Flink's bounded out-of-orderness).
 * A window [start, end) fires once, when end + allowedLatenessMs ≤ watermark. An event is late
 * when its earliest window has already fired, decided against the watermark *before* the event
 * is added; a late event still goes into those of its (hopping) windows that are open, and the
 * caller still writes it to the lake, but it is counted as late. Because lateness is decided per
 * record, a window's contents do not depend on how records were cut into batches, which is what
 * makes restarts and replays reproducible.
 */
import type { AdEvent } from '../events/types.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { DEFAULT_GROUPINGS, type Dimension } from './dimensions.ts';
import { WindowAccumulator, type WindowSnapshot } from './windowAccumulator.ts';

export interface WindowConfig {
  sizeMs: number;
  /** Hop between window starts; defaults to sizeMs (tumbling). Must divide into size ≥ 1 times. */
  slideMs?: number;
  maxOutOfOrdernessMs: number;
  allowedLatenessMs: number;
  /** Key dimensions, one list per grouping; defaults to [campaign, type] and [campaign]. */
  groupings?: readonly (readonly Dimension[])[];
}

export interface WindowsSnapshot {
  format: 2;
  newestEventTime: number | null;
  windows: WindowSnapshot[];
  pendingBeforeFirstEvent: { rejected: number; duplicates: number };
  /** Absent when no final close has happened (and in snapshots from before it was kept). */
  closedThrough?: number;
  /** Absent before the shard's first valid event with an arrival time (and in older snapshots). */
  stall?: Stall;
}

/** How long a shard's records have carried no valid event (`followArrivals`). */
interface Stall {
  /** The frontier as the last valid event left it. */
  frontier: number;
  /** The newest arrival time of any record. */
  lastArrival: number;
  /** Arrival time since the last valid event, each silence between two records counted at most as the allowance. */
  stalledFor: number;
}

/** A window this shard has fired: its partial aggregate and the watermark that closed it. */
export interface ClosedWindow {
  window: WindowAccumulator;
  watermark: number;
}

export const floorTo = (time: number, step: number): number => time - (((time % step) + step) % step);

export class EventTimeWindows {
  private newestEventTime = -Infinity;
  private readonly open = new Map<number, WindowAccumulator>();
  private readonly slideMs: number;
  private readonly groupings: readonly (readonly Dimension[])[];
  /**
   * Rejections and duplicates that have no window yet: those before the shard has a frontier
   * (its first valid event, or arrivals enough for `followArrivals` to give it one).
   */
  private pendingBeforeFirstEvent = { rejected: 0, duplicates: 0 };
  /** The watermark at which the oldest open window fires (Infinity with none open). */
  private nextFiring = Infinity;
  /**
   * The start of the newest window a final close fired (the end of a bounded run's input): that
   * window and every earlier one are closed whatever the watermark says, so a later run's records
   * for them count late instead of firing the window a second time.
   */
  private closedThrough = -Infinity;
  /** Where the stall rule (`followArrivals`) measures from. */
  private stall: Stall | undefined;

  constructor(
    private readonly config: WindowConfig,
    private readonly shardId: string,
  ) {
    this.slideMs = config.slideMs ?? config.sizeMs;
    this.groupings = config.groupings ?? DEFAULT_GROUPINGS;
    if (!(this.slideMs > 0 && this.slideMs <= config.sizeMs)) {
      throw new RangeError(`window slide must be in (0, size]: slide ${this.slideMs} ms, size ${config.sizeMs} ms`);
    }
  }

  get watermark(): number {
    return this.newestEventTime - this.config.maxOutOfOrdernessMs;
  }

  get openWindows(): number {
    return this.open.size;
  }

  private windowAt(start: number): WindowAccumulator {
    let window = this.open.get(start);
    if (!window) {
      window = new WindowAccumulator(start, start + this.config.sizeMs);
      this.open.set(start, window);
      this.nextFiring = Math.min(this.nextFiring, this.firesAt(start));
    }
    return window;
  }

  private firesAt(windowStart: number): number {
    return windowStart + this.config.sizeMs + this.config.allowedLatenessMs;
  }

  /**
   * Whether the watermark has passed a window that has not fired yet. The caller fires it before
   * the next record, so what happens at the firing (the funnel lookups in the dedupe state) sees
   * the same records however the stream was cut into batches.
   */
  get hasWindowToFire(): boolean {
    return this.nextFiring <= this.watermark;
  }

  /**
   * Quality counts go to the windows holding the shard's frontier, where the record arrived: one
   * when windows tumble, windowMs / windowSlideMs of them when they hop, so that a window's
   * quality covers its whole length as its event counts do (counted in the newest alone, a
   * 5-minute window's `valid` held one minute's records). These are the starts of the newest and
   * the oldest of them; all are open, as their ends are past the frontier. After a final close,
   * from the first window it left open: records arriving later arrived after it. Needs a frontier.
   */
  private newestArrivalStart(): number {
    return Math.max(floorTo(this.newestEventTime, this.slideMs), this.closedThrough + this.slideMs);
  }

  private oldestArrivalStart(newest: number): number {
    let oldest = newest;
    while (oldest - this.slideMs > this.newestEventTime - this.config.sizeMs && oldest - this.slideMs > this.closedThrough) oldest -= this.slideMs;
    return oldest;
  }

  private isClosed(windowStart: number): boolean {
    return windowStart <= this.closedThrough || this.firesAt(windowStart) <= this.watermark;
  }

  /**
   * Adds a valid, first-seen event. Returns false when it is late (counted, aggregated only into
   * still-open windows). `arrivalTime` (the record's arrival on the stream) feeds the arrival delay.
   */
  addEvent(event: AdEvent, arrivalTime?: number): boolean {
    const time = event.body.event_time;
    const last = floorTo(time, this.slideMs);
    let first = last;
    while (first - this.slideMs > time - this.config.sizeMs) first -= this.slideMs;
    const late = this.isClosed(first);
    const delayMs = Number.isFinite(this.newestEventTime) ? Math.max(0, this.newestEventTime - time) : 0;
    // The frontier moves to the event's time, but never past its arrival: an event cannot have
    // happened after it reached the stream, so the excess is the producer's clock running fast.
    // Uncapped, one producer 4 minutes fast (within maxFutureSkewMs) pushed the watermark 4
    // minutes ahead, and every on-time record after it on the shard counted as late.
    const frontier = arrivalTime === undefined ? time : Math.min(time, arrivalTime);
    if (frontier > this.newestEventTime) this.newestEventTime = frontier;
    if (arrivalTime !== undefined) this.restartStall(arrivalTime);
    // The shard's first valid event gives the records before it a window: the one it arrived in.
    this.placePending();
    const newest = this.newestArrivalStart();
    for (let start = this.oldestArrivalStart(newest); start <= newest; start += this.slideMs) {
      const arrival = this.windowAt(start).qualityOf(this.shardId);
      arrival.delays.accept(delayMs);
      if (arrivalTime !== undefined) arrival.arrivalDelays.accept(Math.max(0, arrivalTime - time));
      if (late) arrival.late += 1;
      else arrival.valid += 1;
    }
    for (let start = first; start <= last; start += this.slideMs) {
      if (!this.isClosed(start)) this.windowAt(start).addEvent(event, this.groupings);
    }
    return !late;
  }

  /**
   * Rejected and duplicate records have no trustworthy event time: count them at arrival. Their
   * arrival time still says that time goes on (`followArrivals`); the caller then fires what the
   * watermark has passed, as after an event.
   */
  countAtArrival(kind: 'rejected' | 'duplicates', arrivalTime?: number): void {
    if (arrivalTime !== undefined) this.followArrivals(arrivalTime);
    this.pendingBeforeFirstEvent[kind] += 1;
    if (Number.isFinite(this.newestEventTime)) this.placePending();
  }

  /** Counts the rejections and duplicates that have no window yet in the windows holding the frontier. Needs a frontier. */
  private placePending(): void {
    const pending = this.pendingBeforeFirstEvent;
    if (pending.rejected === 0 && pending.duplicates === 0) return;
    const newest = this.newestArrivalStart();
    for (let start = this.oldestArrivalStart(newest); start <= newest; start += this.slideMs) {
      const quality = this.windowAt(start).qualityOf(this.shardId);
      quality.rejected += pending.rejected;
      quality.duplicates += pending.duplicates;
    }
    pending.rejected = pending.duplicates = 0;
  }

  /** A valid event arrived: the stall, if any, is over, and the next is measured from here. */
  private restartStall(arrivalTime: number): void {
    const stall = this.stall;
    // Updated in place: a new object for every event cost a replay about 1.5 % of its CPU, in GC.
    if (!stall) this.stall = { frontier: this.newestEventTime, lastArrival: arrivalTime, stalledFor: 0 };
    else {
      stall.frontier = this.newestEventTime;
      stall.lastArrival = Math.max(stall.lastArrival, arrivalTime);
      stall.stalledFor = 0;
    }
  }

  /**
   * A shard whose records keep arriving with no valid event in them (a producer whose every
   * record is now rejected, a storm of retries) would hold its event time, and so every window,
   * where its last event left them: no window would fire, and the detectors would never see the
   * rejections, when an operator most needs a page. So once such records have kept arriving for
   * an allowance of one window slide plus the out-of-orderness bound, the frontier moves on with
   * their arrival time, the allowance behind, from where the last event left it, and the windows
   * they are counted in fire. A shard that has had no valid event at all (a producer that never
   * sent one that passed) starts from its first record's arrival: its rejections are counted in
   * windows of their arrival, and it stops holding back the stream-wide watermark, which a shard
   * with no frontier does (one shard of garbage held every stream-wide window and alert).
   *
   * Only arrival while records keep coming counts: a silence between two records counts at most
   * as the allowance, so a DLQ re-drive read a month after a bounded run is not a month of
   * windows in which every campaign fell to zero (a silent stream holds its windows, as without
   * records at all). The rule reads only the records' arrival times, so a replay does the same;
   * on a shard whose valid events keep coming, however old their event times (a backfill), it
   * never moves anything, and an event of the resumed stream is late only if it reached the
   * stream more than the allowance later than events did before the stall.
   */
  private followArrivals(arrivalTime: number): void {
    if (!this.stall && !Number.isFinite(this.newestEventTime)) this.stall = { frontier: arrivalTime, lastArrival: arrivalTime, stalledFor: 0 };
    const stall = this.stall;
    if (!stall) return;
    const allowance = this.slideMs + this.config.maxOutOfOrdernessMs;
    stall.stalledFor += Math.min(Math.max(0, arrivalTime - stall.lastArrival), allowance);
    stall.lastArrival = Math.max(stall.lastArrival, arrivalTime);
    if (stall.stalledFor < allowance) return;
    const frontier = stall.frontier + stall.stalledFor - allowance;
    if (frontier > this.newestEventTime) this.newestEventTime = frontier;
  }

  /** Fires every window the watermark has passed (all of them when `final`), oldest first. */
  closeWindows(final = false): ClosedWindow[] {
    // The end of a bounded run's input that brought no frontier (too few records, all rejected):
    // they go in the window of the first one's arrival, so that its metrics count them too.
    if (final && this.stall && !Number.isFinite(this.newestEventTime)) {
      this.newestEventTime = this.stall.frontier;
      this.placePending();
    }
    const closing = [...this.open.keys()].filter((start) => final || this.isClosed(start)).sort((a, b) => a - b);
    if (final && closing.length > 0) this.closedThrough = Math.max(this.closedThrough, closing.at(-1)!);
    const closed: ClosedWindow[] = [];
    for (const start of closing) {
      closed.push({ window: this.open.get(start)!, watermark: this.watermark });
      this.open.delete(start);
    }
    this.nextFiring = Infinity;
    for (const start of this.open.keys()) this.nextFiring = Math.min(this.nextFiring, this.firesAt(start));
    return closed;
  }

  /** Fires closable windows and turns them into metric events. */
  close(final = false): MetricEvent[] {
    return this.closeWindows(final).flatMap(({ window, watermark }) => window.metrics(watermark));
  }

  snapshot(): WindowsSnapshot {
    return {
      format: 2,
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      windows: [...this.open.values()].map((window) => window.snapshot()),
      pendingBeforeFirstEvent: { ...this.pendingBeforeFirstEvent },
      ...(Number.isFinite(this.closedThrough) ? { closedThrough: this.closedThrough } : {}),
      ...(this.stall ? { stall: { ...this.stall } } : {}),
    };
  }

  /**
   * A parent shard's windows as its child starts from them: the frontier, but not the parent's
   * final close (at SHARD_END). The child's records for the parent's last windows are its own, to
   * be merged with the parent's partials (the stream-wide merge), not late: kept, that close made
   * about half a window of the child's traffic late at every split (an adversarial review).
   */
  static forChild(snapshot: WindowsSnapshot): WindowsSnapshot {
    const { closedThrough: _parentsEnd, ...rest } = snapshot;
    return rest;
  }

  static restore(config: WindowConfig, shardId: string, snapshot: WindowsSnapshot): EventTimeWindows {
    if (snapshot.format !== 2) throw new Error(`window snapshot format ${String(snapshot.format)} is not supported (expected 2); replay the shard from its start`);
    const windows = new EventTimeWindows(config, shardId);
    windows.newestEventTime = snapshot.newestEventTime ?? -Infinity;
    windows.pendingBeforeFirstEvent = { ...snapshot.pendingBeforeFirstEvent };
    windows.closedThrough = snapshot.closedThrough ?? -Infinity;
    windows.stall = snapshot.stall && { ...snapshot.stall };
    for (const window of snapshot.windows) {
      windows.open.set(window.start, WindowAccumulator.restore(window));
      windows.nextFiring = Math.min(windows.nextFiring, windows.firesAt(window.start));
    }
    return windows;
  }
}
