/**
 * Everything a shard's processing remembers between batches. It is derived from the shard's
 * records only, snapshotted with each checkpoint and restored on restart, so a restarted worker
 * continues exactly where the checkpoint says.
 */
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { ObserveOptions } from '../../detectors/volumeDetector.ts';
import { Deduplicator, type DedupeSnapshot, type DedupeSnapshotV2 } from './dedupe.ts';
import { EventTimeWindows, type WindowConfig, type WindowsSnapshot } from './eventTimeWindows.ts';
import { ConfigError } from '../config/load.ts';

/** The detector stage as the shard sees it: metric events in, alerts out, state serializable. */
export interface ShardDetector {
  observe(metrics: MetricEvent[], options?: ObserveOptions): AlertEvent[];
  /** The end of a bounded run: alerts the detector still holds back, sent now (none if it holds none). */
  flush?(): AlertEvent[];
  snapshot(): unknown;
  /**
   * This detector was restored from a parent shard's state for child `shardId`: the parent's keys
   * are split between its children, so a key the child has not carried yet is not a drop to zero.
   * `others`: the other parents' detector snapshots, after a merge of shards.
   */
  inherit?(shardId: string, others: readonly unknown[]): void;
  /** The shard this detector is of, told whenever it is created or restored (its own alerts may name it). */
  forShard?(shardId: string): void;
}

/** Version 2: hashed dedupe buckets (in segments since dedupe format 3), mergeable window aggregates (sketches instead of raw lists). */
export interface ShardStateSnapshot {
  version: 2;
  dedupe: DedupeSnapshot;
  windows: WindowsSnapshot;
  detector: unknown;
  /** The windowing the state was built with (absent in snapshots from before it was kept). */
  windowing?: Windowing;
}

/** What gives a shard's windows and detector baselines their meaning: restored under other settings, they would mislead. */
export interface Windowing {
  sizeMs: number;
  slideMs: number;
  groupings: string;
}

const windowingOf = (windows: WindowConfig): Windowing => ({
  sizeMs: windows.sizeMs,
  slideMs: windows.slideMs ?? windows.sizeMs,
  groupings: JSON.stringify(windows.groupings ?? null),
});

/** A worker restarted with other window settings than its saved state's: a usage error, named. */
export class WindowingChangedError extends ConfigError {}

function checkWindowing(shardId: string, saved: Windowing | undefined, config: WindowConfig): void {
  if (!saved) return;
  const now = windowingOf(config);
  const changed = (Object.keys(now) as (keyof Windowing)[]).filter((key) => saved[key] !== now[key]);
  if (changed.length === 0) return;
  const what = changed.map((key) => `${key} ${saved[key]} → ${now[key]}`).join(', ');
  throw new WindowingChangedError(
    `the saved state of ${shardId} was built with other windows (${what}): its open windows and detector baselines would mix the two. Restore the setting, or start the new windows afresh with another lease table and state location.`,
  );
}

/** A snapshot as loaded: one saved before segments holds dedupe format 2. */
export type StoredShardStateSnapshot = Omit<ShardStateSnapshot, 'dedupe'> & { dedupe: DedupeSnapshot | DedupeSnapshotV2 };

export interface ShardStateConfig {
  windows: WindowConfig;
  dedupeHorizonMs: number;
  createDetector: (snapshot?: unknown) => ShardDetector;
}

export class ShardState {
  private constructor(
    readonly dedupe: Deduplicator,
    readonly windows: EventTimeWindows,
    readonly detector: ShardDetector,
    private readonly windowing: Windowing,
  ) {}

  static create(config: ShardStateConfig, shardId: string, snapshot?: StoredShardStateSnapshot): ShardState {
    const state = ShardState.createFor(config, shardId, snapshot);
    state.detector.forShard?.(shardId);
    return state;
  }

  private static createFor(config: ShardStateConfig, shardId: string, snapshot?: StoredShardStateSnapshot): ShardState {
    if (!snapshot) {
      return new ShardState(
        new Deduplicator(config.dedupeHorizonMs),
        new EventTimeWindows(config.windows, shardId),
        config.createDetector(),
        windowingOf(config.windows),
      );
    }
    if (snapshot.version !== 2) {
      throw new Error(`shard ${shardId}: state snapshot version ${String(snapshot.version)} is not supported (expected 2); delete the checkpoint to reprocess the shard from its start`);
    }
    checkWindowing(shardId, snapshot.windowing, config.windows);
    return new ShardState(
      Deduplicator.restore(snapshot.dedupe),
      EventTimeWindows.restore(config.windows, shardId, snapshot.windows),
      config.createDetector(snapshot.detector),
      windowingOf(config.windows),
    );
  }

  /**
   * A child shard's state from its parents' final snapshots (none: undefined): the first
   * parent's, with the other parent's seen ids absorbed after a merge, so dedupe follows lineage
   * (their open windows closed at their end). The detector keeps the first parent's baselines
   * but learns which of its keys the child carries (ShardDetector.inherit).
   */
  static forChild(config: ShardStateConfig, shardId: string, parents: readonly StoredShardStateSnapshot[]): ShardState | undefined {
    const [first, ...others] = parents;
    if (!first) return undefined;
    const state = ShardState.create(config, shardId, { ...first, windows: EventTimeWindows.forChild(first.windows) });
    for (const other of others) state.dedupe.absorb(ShardState.create(config, shardId, other).dedupe);
    state.detector.inherit?.(shardId, others.map((other) => other.detector));
    return state;
  }

  /** `inline`: every dedupe id in the snapshot itself, for a hand-over in memory (dedupe.ts). */
  snapshot(options: { inline?: boolean } = {}): ShardStateSnapshot {
    return {
      version: 2,
      dedupe: this.dedupe.snapshot(options),
      windows: this.windows.snapshot(),
      detector: this.detector.snapshot(),
      windowing: this.windowing,
    };
  }

  /** A store saved `taken`, one of this state's snapshots, as `persisted`: the next snapshot builds on it. */
  saved(taken: ShardStateSnapshot, persisted: ShardStateSnapshot): void {
    this.dedupe.saved(taken.dedupe, persisted.dedupe);
  }
}
