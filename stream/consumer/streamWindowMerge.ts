/**
 * Stream-wide windows in a live consumer group: the partial windows every shard commits (the
 * partial log, windowPartials.ts) merged per window and emitted once the pipeline watermark (the
 * minimum over active shards) has passed the window's end plus the allowed lateness, the same
 * rule a replay applies (WindowMerger, PipelineWatermark). A shard's windows alone are complete
 * only when every key lives on one shard; with keys that span shards (a publisher, a country, or
 * producers that partition by anything but the campaign) only the merge gives the stream's count.
 *
 * One worker merges at a time: whoever holds the merge lease, an item of its own in the lease
 * table, taken and kept like a shard lease (fenced on its counter, expired when the counter has
 * not moved for failoverTimeMs). Its state (merger, watermark, last partial merged per shard)
 * is saved with each step and named on the lease, so a new holder continues where the last one
 * stopped. Emission is at least once, like alerts: a holder that dies between emitting and
 * saving has the windows emitted again by the next.
 *
 * Idleness is judged on the records' arrival times (the newest seen in any partial), not on the
 * merging worker's clock, so it does not depend on which worker merges or when it polls. A shard
 * whose last unit left it behind its tip keeps holding the watermark until it catches up.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import { PipelineWatermark, type PipelineWatermarkSnapshot } from '../pipeline/pipelineWatermark.ts';
import { WindowMerger, streamMetricsOf, type WindowMergerSnapshot } from '../pipeline/windowMerger.ts';
import { observeClosedWindows, type ClosedWindowMetrics } from '../pipeline/detectorInput.ts';
import { StreamNotifications, type StreamNotificationsSnapshot } from '../pipeline/streamNotifications.ts';
import type { ShardDetector } from '../pipeline/shardState.ts';
import { deliver, type AlertSink } from '../../sinks/alerts/alertSink.ts';
import { SHARD_END, TRIM_HORIZON, type Lease } from './leases/lease.ts';
import { LeaseLostError, RESERVED_LEASE_PREFIX, type LeaseTable } from './leases/leaseTable.ts';
import { fromPartials, reportsAgain, type PartialLog } from './windowPartials.ts';

export interface StreamWindowMergeOptions {
  leases: LeaseTable;
  log: PartialLog;
  /** Where the merge state is saved (the state store's objects). */
  store: ObjectStore;
  stream: string;
  workerId: string;
  allowedLatenessMs: number;
  /** Arrival-time milliseconds after which a quiet, caught-up shard stops holding the watermark. */
  idleTimeoutMs: number;
  failoverTimeMs: number;
  /** Monotonic milliseconds, for the lease's expiry. */
  now: () => number;
  /** Where the stream-wide metric events go (the worker's metrics sink). */
  emit: (name: string, events: MetricEvent[]) => Promise<void>;
  /**
   * The detectors on the stream's own quality (volume, rejected, duplicate and late shares over
   * every shard): one alert for an incident that hits the whole stream. The sink also gets the
   * shards' quality alerts, which come with their partials: one notification per window with
   * the stream's own (streamNotifications.ts).
   */
  alerts?: { sink: AlertSink; createDetector: (snapshot?: unknown) => ShardDetector };
}

/** How long a shard not heard from yet holds the stream's windows, in idle timeouts of the merge holder's clock (holdUnheard). */
export const UNHEARD_HOLD_IDLE_TIMEOUTS = 10;

/**
 * How long a new holder waits, in failover times of its clock, for a shard an earlier holder heard
 * from to report again (holdUnheard): long enough for a restarted worker to take its lease and
 * commit a first unit, short enough that a quiet shard whose worker lives on (it reports being
 * caught up once per lease, not again for a new holder) stalls the windows only that long.
 */
export const HANDOVER_HOLD_FAILOVERS = 4;

interface MergeSnapshot {
  version: 1;
  merger: WindowMergerSnapshot;
  watermark: PipelineWatermarkSnapshot;
  clock: number | null;
  /** Per shard, the last partials key merged: keys sort in shard order. */
  consumed: Record<string, string>;
  ended: string[];
  behind: string[];
  detector?: unknown;
  notifications?: StreamNotificationsSnapshot;
}

interface MergeState {
  merger: WindowMerger;
  watermark: PipelineWatermark;
  clock: number;
  consumed: Map<string, string>;
  ended: Set<string>;
  behind: Set<string>;
  /** Per shard not heard from yet, since when (this process's clock, so not saved) the merge waits for it. */
  waiting: Map<string, number>;
  /** Shards a partial was merged from since this holder loaded the state (not saved: a new holder starts empty). */
  heard: Set<string>;
  detector: ShardDetector | undefined;
  notifications: StreamNotifications;
}

export interface StreamWindowStats {
  /** Times this worker took the merge lease. */
  takes: number;
  windowsEmitted: number;
  metricEvents: number;
  partialsMerged: number;
  latePartials: number;
  /** Notifications sent: the stream's quality alerts, and the shards' with them. */
  alerts: number;
}

export const streamWindowLeaseKey = (stream: string): string => `${RESERVED_LEASE_PREFIX}stream-windows:${stream}`;

export class StreamWindowMerge {
  readonly stats: StreamWindowStats = { takes: 0, windowsEmitted: 0, metricEvents: 0, partialsMerged: 0, latePartials: 0, alerts: 0 };
  private held: Lease | undefined;
  /** When this holder last wrote the merge lease (options.now): a long step renews it between reads (keepLease). */
  private leaseWrittenAt = 0;
  private state: MergeState | undefined;
  private observed: { counter: number; owner: string | undefined; since: number } | undefined;

  constructor(private readonly options: StreamWindowMergeOptions) {}

  get isLeader(): boolean {
    return this.held !== undefined;
  }

  private get leaseKey(): string {
    return streamWindowLeaseKey(this.options.stream);
  }

  /** One step: keep (or take) the merge lease, then merge what shards have committed since. */
  async tick(shardLeases: readonly Lease[]): Promise<void> {
    if (!(await this.lead())) return;
    try {
      await this.mergeNew(shardLeases);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.reset();
    }
  }

  /** Hands the lease back (after a last step), so another worker takes over at once. */
  async release(shardLeases: readonly Lease[]): Promise<void> {
    await this.tick(shardLeases);
    await this.handBack();
  }

  /**
   * The end of a bounded run whose shards this worker read to the end (their closing flushes
   * logged, their leases released): returns once a step that began after that has merged, its
   * own or the holder's, then hands the lease back if it holds it. Merely released, a worker that
   * found the lease held merged nothing, while the holder, ending at the same moment, had listed
   * the log just before that worker's closing flushes and released in turn: nobody fired the
   * run's last windows (three bounded workers sent fewer stream windows and quality alerts than
   * one). A step ends with one move of the lease's step count (Lease.mergeSteps; its counter
   * also moves within a long step), so two moves after the first look mean a step begun after
   * this call has ended; a holder that stops moving its counter loses the lease to this worker
   * after failoverTimeMs, and a released lease is taken at once. `wait` sleeps between looks and
   * says whether to go on (false: the worker was told to stop).
   */
  async finishRun(listLeases: () => Promise<readonly Lease[]>, wait: () => Promise<boolean>): Promise<void> {
    let firstLook: Lease | undefined;
    for (;;) {
      await this.tick(await listLeases());
      if (this.held) return this.handBack();
      const lease = await this.options.leases.get(this.leaseKey);
      if (lease?.leaseOwner !== undefined) {
        firstLook ??= lease;
        // The lease's first step count came with a step that ended since the first look.
        if (firstLook.mergeSteps === undefined && lease.mergeSteps !== undefined) firstLook = { ...firstLook, mergeSteps: lease.mergeSteps - 1 };
        // A holder of a version before mergeSteps moves only its counter, once per step.
        const steps = firstLook.mergeSteps !== undefined && lease.mergeSteps !== undefined ? lease.mergeSteps - firstLook.mergeSteps : lease.leaseCounter - firstLook.leaseCounter;
        if (steps >= 2) return;
      }
      if (!(await wait())) return;
    }
  }

  private async handBack(): Promise<void> {
    if (!this.held) return;
    try {
      await this.options.leases.update(this.leaseKey, this.held.leaseCounter, 'release', { owner: this.options.workerId, remove: ['leaseOwner'] });
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
    }
    this.reset();
  }

  /** Forgets what it holds in memory (a lost lease, a failed step): the next step starts from the saved state. */
  reset(): void {
    this.held = undefined;
    this.state = undefined;
  }

  private async lead(): Promise<boolean> {
    const { leases, workerId, now, failoverTimeMs } = this.options;
    let lease = await leases.get(this.leaseKey);
    if (!lease) {
      await leases.createIfMissing({ leaseKey: this.leaseKey, leaseCounter: 0, checkpoint: TRIM_HORIZON, checkpointSubSequenceNumber: 0, ownerSwitchesSinceCheckpoint: 0, parentShardIds: [], childShardIds: [] });
      lease = (await leases.get(this.leaseKey))!;
    }
    if (this.held) {
      if (lease.leaseCounter === this.held.leaseCounter && lease.leaseOwner === workerId) return true;
      this.reset();
    }
    const seen = this.observed;
    if (!seen || seen.counter !== lease.leaseCounter || seen.owner !== lease.leaseOwner) {
      this.observed = { counter: lease.leaseCounter, owner: lease.leaseOwner, since: now() };
    }
    const expired = now() - this.observed!.since >= failoverTimeMs;
    if (lease.leaseOwner && lease.leaseOwner !== workerId && !expired) return false;
    try {
      this.held = await leases.take(lease, workerId);
      this.leaseWrittenAt = now();
    } catch (error) {
      if (error instanceof LeaseLostError) return false;
      throw error;
    }
    this.stats.takes += 1;
    this.state = await this.load(this.held.stateRef);
    return true;
  }

  private async load(ref: string | undefined): Promise<MergeState> {
    const { allowedLatenessMs, idleTimeoutMs, store } = this.options;
    const body = ref ? await store.get(ref) : undefined;
    if (ref && !body) throw new Error(`the stream-window merge state ${ref} named by its lease is missing from ${store.location}`);
    const saved = body ? (JSON.parse(Buffer.from(body).toString('utf8')) as MergeSnapshot) : undefined;
    // The watermark's clock is the state's own: arrival time, advanced as partials are merged.
    const options = { idleTimeoutMs, now: () => state.clock };
    const state: MergeState = {
      merger: saved ? WindowMerger.restore(allowedLatenessMs, saved.merger) : new WindowMerger(allowedLatenessMs),
      watermark: saved ? PipelineWatermark.restore(options, saved.watermark) : new PipelineWatermark(options),
      clock: saved?.clock ?? -Infinity,
      consumed: new Map(Object.entries(saved?.consumed ?? {})),
      ended: new Set(saved?.ended ?? []),
      behind: new Set(saved?.behind ?? []),
      waiting: new Map(),
      heard: new Set(),
      detector: this.options.alerts?.createDetector(saved?.detector),
      notifications: StreamNotifications.restore(saved?.notifications),
    };
    return state;
  }

  private async mergeNew(shardLeases: readonly Lease[]): Promise<void> {
    const { log, emit, stream } = this.options;
    const state = this.state!;
    // A shard that ended before the merge knew of it has nothing left to hold back.
    for (const lease of shardLeases) if (!state.ended.has(lease.leaseKey) && lease.checkpoint !== SHARD_END) state.watermark.register(lease.leaseKey);
    const clockBefore = state.clock;
    const merged: string[] = [];
    const stale: string[] = [];
    /** Stale keys that changed what the merge knows of their shard (endedShardAgain, closedAgain): saved like merged ones. */
    const reported: string[] = [];
    /** Shards' alerts of windows fired already (late partials): sent at once. */
    const late: AlertEvent[] = [];
    const logged = await log.list();
    for (const [shardId, keys] of [...logged].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const key of keys) {
        const last = state.consumed.get(shardId);
        // Already merged (a unit re-committed after a crash writes the same key again).
        if (last !== undefined && key <= last) {
          stale.push(key);
          if (!reportsAgain(key, last)) continue;
          const changed = state.ended.has(shardId) ? !state.heard.has(shardId) && (await this.endedShardAgain(shardId, key)) : await this.closedAgain(shardId, key);
          if (changed) reported.push(key);
          continue;
        }
        const partials = await log.read(key);
        await this.keepLease();
        if (!partials) continue;
        if (partials.arrivalTime !== null && partials.arrivalTime > state.clock) state.clock = partials.arrivalTime;
        late.push(...state.notifications.late(state.merger.add(fromPartials(partials), partials.alerts)));
        if (partials.final) {
          state.watermark.remove(shardId);
          state.ended.add(shardId);
        } else {
          // Read again after it ended: a later bounded run (run --until-caught-up) on the same state.
          state.ended.delete(shardId);
          state.watermark.observe(shardId, partials.watermark ?? -Infinity, true);
        }
        if (partials.caughtUp) state.behind.delete(shardId);
        else state.behind.add(shardId);
        state.consumed.set(shardId, key);
        state.heard.add(shardId);
        merged.push(key);
      }
    }
    const forgotten = this.forgetDeletedShards(shardLeases, logged);
    // Shards registered before any time was known start their idleness from the first time seen.
    if (!Number.isFinite(clockBefore) && Number.isFinite(state.clock)) for (const lease of shardLeases) state.watermark.touch(lease.leaseKey);
    // Behind its tip is not idle: such a shard holds the watermark until it catches up.
    for (const shardId of state.behind) state.watermark.touch(shardId);
    const held = this.holdUnheard(shardLeases);

    // Not while a shard an earlier run ended is held: that run's end was not the stream's.
    const everyShardEnded = shardLeases.length > 0 && shardLeases.every((lease) => state.ended.has(lease.leaseKey)) && held.size === 0;
    const fired = state.merger.fire(state.watermark.valueHolding(held), everyShardEnded);
    const { events, quality } = streamMetricsOf(fired);
    await this.keepLease();
    if (events.length > 0) await emit(`${stream}-stream-windows-${fired[0].window.start}`, events);
    await this.alertOnQuality(quality, state.merger.takeAlerts(everyShardEnded), late, everyShardEnded);
    this.stats.windowsEmitted += fired.length;
    this.stats.metricEvents += events.length;
    this.stats.partialsMerged += merged.length;
    this.stats.latePartials = state.merger.latePartials;
    // A stale key that reported its shard again is saved as a merged one is: it is deleted below,
    // and only renewed, a step that merged nothing else and fired nothing (the other shards still
    // held the windows) lost the report when the holder handed back or died. A shard a bounded run
    // closed again (closedAgain) came back live at −∞ to the next holder, with no flush left in the
    // log to end it, and the stream's last window never fired.
    if (merged.length === 0 && fired.length === 0 && reported.length === 0 && !forgotten) {
      await this.renew();
    } else await this.save();
    // Merged partials are folded into the saved state: the log can forget them. A stale key (one
    // consumed before, written again by a redo) was folded into an earlier save (or the one just
    // made, when it reported its shard again), so it goes even after a step with nothing new: left
    // there, the next bounded run's first step read it as the shard reporting its end again
    // (endedShardAgain) before any worker had read the shard.
    for (const key of [...merged, ...stale]) await log.delete(key);
  }

  /**
   * Forgets a shard the merge saw end whose lease is gone (a reshard's parent, cleaned up once its
   * children had state of their own: parentCleanup.ts) and whose keys are gone from the log: nobody
   * reads it again, and its entries stayed in the saved state for good, one more per reshard.
   * Returns whether there was one.
   */
  private forgetDeletedShards(shardLeases: readonly Lease[], logged: ReadonlyMap<string, string[]>): boolean {
    const state = this.state!;
    // An empty scan says nothing about which leases are gone.
    if (shardLeases.length === 0) return false;
    const leased = new Set(shardLeases.map((lease) => lease.leaseKey));
    const gone = [...state.ended].filter((shardId) => !leased.has(shardId) && !logged.has(shardId));
    for (const shardId of gone) {
      state.consumed.delete(shardId);
      state.ended.delete(shardId);
      state.behind.delete(shardId);
      state.watermark.remove(shardId);
      state.waiting.delete(shardId);
      state.heard.delete(shardId);
    }
    return gone.length > 0;
  }

  /**
   * A shard an earlier run ended writes a key the merge already consumed: a later run is reading
   * it and has reached that position again, with nothing new (its closing flush, or a caught-up
   * marker, keyed where the last run ended; reportsAgain tells them from the leftovers of a step
   * killed while it deleted). That is the shard reporting, as a new key would be: without it the
   * merge held the stream's windows for it until the run ended, and every later run likewise (an
   * operator review). Still at its end, it stays ended; anything else means it is live again.
   * Returns whether that changed the saved state (the shard live again).
   */
  private async endedShardAgain(shardId: string, key: string): Promise<boolean> {
    const state = this.state!;
    const partials = await this.options.log.read(key);
    await this.keepLease();
    if (!partials) return false;
    state.heard.add(shardId);
    if (partials.final) return false;
    state.ended.delete(shardId);
    state.watermark.observe(shardId, partials.watermark ?? -Infinity, true);
    return true;
  }

  /**
   * A shard reported live again where an earlier run ended it (a live worker's caught-up marker
   * there, endedShardAgain) whose closing flush comes again at the key the merge consumed: a
   * bounded run has closed it at the same place, with nothing new. Skipped as stale, the shard
   * stayed live with no worker left to report it, held the watermark for good, and the stream's
   * last windows never fired (a live worker killed while bounded ones finished the group).
   * Returns whether that changed the saved state (the shard ended).
   */
  private async closedAgain(shardId: string, key: string): Promise<boolean> {
    const state = this.state!;
    const partials = await this.options.log.read(key);
    await this.keepLease();
    if (!partials?.final) return false;
    state.watermark.remove(shardId);
    state.ended.add(shardId);
    state.heard.add(shardId);
    return true;
  }

  /**
   * Nor is a shard not heard from yet idle: a split's child waits for its parents to end, and
   * during a backlog the clock runs a whole unit's arrival time per step, so its registration
   * went stale before its first unit and the windows closed without it. A worker reports each
   * shard it reads (a unit, or a caught-up marker when it has nothing: windowPartials.ts), so the
   * wait is short; it is bounded all the same, for a shard that no worker reads with the merge
   * on (one configured without it, an older version): UNHEARD_HOLD_IDLE_TIMEOUTS idle timeouts
   * once the shard could have started, on the holder's own clock. Not in arrival time: during a
   * backlog that runs minutes ahead per step, and a shard taken a few seconds late was cut off.
   * A new holder starts the wait again, for every shard, briefly (HANDOVER_HOLD_FAILOVERS) for
   * shards an earlier holder heard from: after a restart (a whole consumer group killed and started
   * again), a shard whose last partial said it was caught up counted as idle once another shard's
   * backlog moved the arrival clock on, and its own backlog's partials came late and were
   * dropped, so the stream's windows differed from an uninterrupted run's. A shard an earlier
   * holder saw end, whose lease is not at SHARD_END and is held by a worker, is held as briefly:
   * the run that ended it was bounded (run --until-caught-up), and a later run is reading it
   * again. Without the hold that later run fired every window as the stream's end at its first
   * step, before the slower shards had reported, and their records came late. Not while its lease
   * has no owner: in a bounded run with several workers, one that finished its shards releases
   * them, and a holder taking over must not wait for them to end the stream's windows.
   */
  private holdUnheard(shardLeases: readonly Lease[]): Set<string> {
    const state = this.state!;
    // Shards an earlier holder heard from: held without being marked active (PipelineWatermark.valueHolding).
    const held = new Set<string>();
    const ended = (shardId: string): boolean => state.ended.has(shardId) || !shardLeases.some((lease) => lease.leaseKey === shardId && lease.checkpoint !== SHARD_END);
    const handoverHold = HANDOVER_HOLD_FAILOVERS * this.options.failoverTimeMs;
    for (const { leaseKey, parentShardIds, checkpoint, leaseOwner } of shardLeases) {
      if (state.heard.has(leaseKey) || checkpoint === SHARD_END) {
        state.waiting.delete(leaseKey);
        continue;
      }
      if (state.ended.has(leaseKey)) {
        const since = state.waiting.get(leaseKey) ?? this.options.now();
        state.waiting.set(leaseKey, since);
        // Only while a worker holds its lease: that one is reading it again. Unowned, it ended in
        // this run too (a bounded worker releases its leases when it is done) and holds nothing.
        // Held from −∞ (its run fired every window it had): nothing fires until it reports again or the hold ends.
        if (leaseOwner !== undefined && this.options.now() - since < handoverHold) {
          state.watermark.register(leaseKey);
          held.add(leaseKey);
        } else state.watermark.remove(leaseKey);
        continue;
      }
      if (!Number.isFinite(state.clock) || !parentShardIds.every(ended)) {
        state.watermark.touch(leaseKey);
        continue;
      }
      const since = state.waiting.get(leaseKey) ?? this.options.now();
      state.waiting.set(leaseKey, since);
      if (state.consumed.has(leaseKey)) {
        if (this.options.now() - since < handoverHold) held.add(leaseKey);
      } else if (this.options.now() - since < UNHEARD_HOLD_IDLE_TIMEOUTS * this.options.idleTimeoutMs) state.watermark.touch(leaseKey);
    }
    return held;
  }

  /**
   * The stream's quality series through the same detectors as a shard's, under the key they
   * match (`quality=stream`, dimension scope=stream), notified with the shards' quality alerts of
   * the windows fired (`shardAlerts`), and those of late partials alone: at least once, like
   * every alert.
   */
  private async alertOnQuality(quality: readonly ClosedWindowMetrics[], shardAlerts: readonly AlertEvent[], late: readonly AlertEvent[], final: boolean): Promise<void> {
    const { detector, notifications } = this.state!;
    if (!this.options.alerts) return;
    const streamAlerts = detector && quality.length > 0 ? observeClosedWindows(detector, quality) : [];
    for (const alert of [...late, ...notifications.notify(shardAlerts, streamAlerts, final)]) {
      if (await deliver(this.options.alerts.sink, alert)) this.stats.alerts += 1;
    }
  }

  /** The end of a step with nothing to save: the lease's counter and its steps move. */
  private async renew(): Promise<void> {
    await this.writeLease('renew', this.stepEnded());
  }

  private stepEnded(): Record<string, AttributeValue> {
    return { mergeSteps: { N: String((this.held!.mergeSteps ?? 0) + 1) } };
  }

  /** One fenced write of the held lease (its counter moves), timed from when it was sent. */
  private async writeLease(operation: string, set?: Record<string, AttributeValue>): Promise<void> {
    const sentAt = this.options.now();
    this.held = await this.options.leases.update(this.leaseKey, this.held!.leaseCounter, operation, { owner: this.options.workerId, set });
    this.leaseWrittenAt = sentAt;
  }

  /**
   * Renews the lease within a step once a third of failoverTimeMs has passed since its last write,
   * as a worker renews its shard leases. A step reads every partial committed since the last
   * (after an hour's backlog on many shards, thousands of objects) and moved the counter only at
   * its end: one longer than failoverTimeMs lost the lease to another worker, which redid it and
   * emitted its windows again, and, taking as long, lost it in turn, so the windows never got
   * past that step. A lease lost meanwhile ends the step here (LeaseLostError), before it emits.
   */
  private async keepLease(): Promise<void> {
    if (this.options.now() - this.leaseWrittenAt >= this.options.failoverTimeMs / 3) await this.writeLease('renew');
  }

  private async save(): Promise<void> {
    const { store, stream, workerId } = this.options;
    const state = this.state!;
    const previous = this.held!.stateRef;
    const snapshot: MergeSnapshot = {
      version: 1,
      merger: state.merger.snapshot(),
      watermark: state.watermark.snapshot(),
      clock: Number.isFinite(state.clock) ? state.clock : null,
      consumed: Object.fromEntries(state.consumed),
      ended: [...state.ended].sort(),
      behind: [...state.behind].sort(),
      detector: state.detector?.snapshot(),
      notifications: state.notifications.snapshot(),
    };
    const ref = `stream-windows/${stream}/${this.held!.leaseCounter + 1}-${workerId}.json`;
    await store.put(ref, Buffer.from(JSON.stringify(snapshot)));
    await this.writeLease('save', { stateRef: { S: ref }, ...this.stepEnded() });
    if (previous && previous !== ref) await store.delete(previous);
  }
}
