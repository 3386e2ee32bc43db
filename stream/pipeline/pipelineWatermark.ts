/**
 * The watermark of the whole stream: the minimum of the shards' watermarks, over the shards that
 * are active. A shard that has delivered no records for `idleTimeoutMs` (by the injected clock)
 * is idle and stops holding the pipeline back, as Flink's `WatermarkStrategy.withIdleness`; when
 * every shard is idle the watermark moves to the largest shard watermark (Flink's
 * StatusWatermarkValve does the same). It never moves backwards: a shard that wakes up behind it
 * only makes its own events late.
 */
export interface PipelineWatermarkOptions {
  idleTimeoutMs: number;
  /** Milliseconds: virtual time in a replay, the scheduler's now() in tests, a monotonic clock live. */
  now: () => number;
}

export interface PipelineWatermarkSnapshot {
  current: number | null;
  shards: { shardId: string; watermark: number | null; lastActivity: number }[];
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export class PipelineWatermark {
  private readonly shards = new Map<string, { watermark: number; lastActivity: number }>();
  private current = -Infinity;

  constructor(private readonly options: PipelineWatermarkOptions) {}

  /** A shard that exists but has not reported yet: it holds the watermark at −∞ until it reports or idles. */
  register(shardId: string): void {
    if (!this.shards.has(shardId)) this.shards.set(shardId, { watermark: -Infinity, lastActivity: this.options.now() });
  }

  /** A shard reported progress; `active` is false for an empty poll (it does not reset idleness). */
  observe(shardId: string, watermark: number, active = true): void {
    const shard = this.shards.get(shardId);
    if (!shard) {
      this.shards.set(shardId, { watermark, lastActivity: this.options.now() });
      return;
    }
    if (watermark > shard.watermark) shard.watermark = watermark;
    if (active) shard.lastActivity = this.options.now();
  }

  /**
   * The shard has records waiting to be processed (a backlog, MillisBehindLatest > 0, or in a
   * replay records whose arrival time has come): it is behind, not idle, and keeps holding.
   */
  touch(shardId: string): void {
    const shard = this.shards.get(shardId);
    if (shard) shard.lastActivity = this.options.now();
  }

  /** The shard ended (or moved to another worker's merger): it no longer holds anything back. */
  remove(shardId: string): void {
    this.shards.delete(shardId);
  }

  isIdle(shardId: string): boolean {
    const shard = this.shards.get(shardId);
    return shard !== undefined && this.options.now() - shard.lastActivity >= this.options.idleTimeoutMs;
  }

  get value(): number {
    return this.valueHolding(new Set());
  }

  /**
   * The watermark with the `held` shards counted as active however long they have been quiet,
   * without marking them active (touch): once no longer held, a shard quiet long enough is idle
   * at once rather than an idle timeout later.
   */
  valueHolding(held: ReadonlySet<string>): number {
    let activeMin = Infinity;
    let max = -Infinity;
    for (const [shardId, shard] of this.shards) {
      if (shard.watermark > max) max = shard.watermark;
      if ((held.has(shardId) || !this.isIdle(shardId)) && shard.watermark < activeMin) activeMin = shard.watermark;
    }
    const candidate = activeMin !== Infinity ? activeMin : max;
    if (candidate > this.current) this.current = candidate;
    return this.current;
  }

  snapshot(): PipelineWatermarkSnapshot {
    return {
      current: finiteOrNull(this.current),
      shards: [...this.shards].map(([shardId, s]) => ({ shardId, watermark: finiteOrNull(s.watermark), lastActivity: s.lastActivity })),
    };
  }

  static restore(options: PipelineWatermarkOptions, snapshot: PipelineWatermarkSnapshot): PipelineWatermark {
    const restored = new PipelineWatermark(options);
    restored.current = snapshot.current ?? -Infinity;
    for (const s of snapshot.shards) restored.shards.set(s.shardId, { watermark: s.watermark ?? -Infinity, lastActivity: s.lastActivity });
    return restored;
  }
}
