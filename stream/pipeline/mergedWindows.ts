/**
 * `mergeShardWindows`: the multi-shard window stage as an RxJS operator. Shard progress in (each
 * processed batch's shard, watermark and fired partials), merged stream-wide windows out, once
 * the pipeline watermark passes them. Idleness is judged on the given scheduler's clock, checked
 * every `checkEveryMs` as well as on every input, so a stalled shard releases the windows even
 * when nothing else arrives.
 *
 * ```ts
 * progress$.pipe(mergeShardWindows({ idleTimeoutMs: 60_000, allowedLatenessMs: 0 })).subscribe(publish);
 * ```
 */
import { Observable, asyncScheduler, interval, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ClosedWindow } from './eventTimeWindows.ts';
import { PipelineWatermark } from './pipelineWatermark.ts';
import type { WindowAccumulator } from './windowAccumulator.ts';
import { WindowMerger } from './windowMerger.ts';

export interface ShardProgress {
  shardId: string;
  watermark: number;
  /** False for an empty poll: it reports the watermark but does not count as activity. */
  active?: boolean;
  windows?: readonly ClosedWindow[];
  /** The shard has ended: flush what it holds back. */
  ended?: boolean;
}

export interface MergeShardWindowsOptions {
  /** Shards known at the start: each holds the watermark back until it reports or goes idle. */
  shards?: readonly string[];
  idleTimeoutMs: number;
  allowedLatenessMs: number;
  checkEveryMs?: number;
  scheduler?: SchedulerLike;
}

export interface MergedWindow {
  window: WindowAccumulator;
  watermark: number;
  /** Pipeline watermark when it fired. */
  firedAt: number;
}

export function mergeShardWindows(options: MergeShardWindowsOptions): OperatorFunction<ShardProgress, MergedWindow> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<MergedWindow>((subscriber) => {
      const watermark = new PipelineWatermark({ idleTimeoutMs: options.idleTimeoutMs, now: () => scheduler.now() });
      for (const shardId of options.shards ?? []) watermark.register(shardId);
      const merger = new WindowMerger(options.allowedLatenessMs);
      const fire = (final = false) => {
        const at = watermark.value;
        for (const merged of merger.fire(at, final)) subscriber.next({ ...merged, firedAt: at });
      };
      const ticks = interval(options.checkEveryMs ?? Math.max(1, options.idleTimeoutMs / 4), scheduler).subscribe(() => fire());
      const subscription = source.subscribe({
        next: (progress) => {
          merger.add(progress.windows ?? []);
          if (progress.ended) watermark.remove(progress.shardId);
          else watermark.observe(progress.shardId, progress.watermark, progress.active ?? true);
          fire();
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          fire(true);
          subscriber.complete();
        },
      });
      return () => {
        ticks.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
