/**
 * Processing lag: how far a shard's consumer is behind the tip of the stream, as Kinesis reports
 * it with every read (MillisBehindLatest). Every other detector watches the data in event time;
 * this one watches the consumer, in the worker's clock time, so its alerts belong to the live
 * worker and are not part of what a replay reproduces (a replay has no tip to fall behind).
 *
 * A shard is behind while its lag exceeds `thresholdMs`. Its alert fires once it has stayed
 * behind for `sustainMs` (a catch-up after a restart or a burst is not an incident) and resolves
 * once it has stayed below for `sustainMs`; it is critical while the lag exceeds `criticalMs`.
 * Observations come as often as reads do, so the rule is in time, not in a count of them.
 */
import { alertIdOf } from './alertLifecycle.ts';
import type { AlertEvent, Severity } from './types.ts';

export interface ProcessingLagConfig {
  thresholdMs: number;
  criticalMs: number;
  sustainMs: number;
}

interface ShardLag {
  /** When the lag first exceeded the threshold in the current stretch (null: not behind). */
  behindSince: number | null;
  /** When the lag first fell back below the threshold while an alert is open. */
  caughtUpSince: number | null;
  firing: boolean;
  severity: Severity;
  worst: number;
}

export const processingLagKey = (shardId: string): string => `consumer=lag|shard=${shardId}`;

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

export class ProcessingLagWatch {
  private readonly shards = new Map<string, ShardLag>();

  constructor(private readonly config: ProcessingLagConfig) {
    if (!(config.thresholdMs > 0 && config.criticalMs >= config.thresholdMs && config.sustainMs >= 0)) {
      throw new RangeError(`processing lag: need 0 < threshold (${config.thresholdMs} ms) ≤ critical (${config.criticalMs} ms) and sustain ≥ 0`);
    }
  }

  /** One read's lag on a shard at clock time `at`; returns the notification it causes, if any. */
  observe(shardId: string, millisBehindLatest: number, at: number): AlertEvent | undefined {
    const { thresholdMs, criticalMs, sustainMs } = this.config;
    let shard = this.shards.get(shardId);
    if (!shard) this.shards.set(shardId, (shard = { behindSince: null, caughtUpSince: null, firing: false, severity: 'warning', worst: 0 }));
    const behind = millisBehindLatest > thresholdMs;
    if (behind) {
      shard.behindSince ??= at;
      shard.caughtUpSince = null;
      shard.worst = Math.max(shard.worst, millisBehindLatest);
      const severity: Severity = millisBehindLatest > criticalMs ? 'critical' : 'warning';
      if (!shard.firing && at - shard.behindSince >= sustainMs) {
        Object.assign(shard, { firing: true, severity });
        return this.alert(shardId, shard, millisBehindLatest, at, 'firing');
      }
      if (shard.firing && severity === 'critical' && shard.severity === 'warning') {
        shard.severity = 'critical';
        return this.alert(shardId, shard, millisBehindLatest, at, 'escalated');
      }
      return undefined;
    }
    if (!shard.firing) {
      this.shards.delete(shardId);
      return undefined;
    }
    shard.caughtUpSince ??= at;
    if (at - shard.caughtUpSince < sustainMs) return undefined;
    this.shards.delete(shardId);
    return this.alert(shardId, shard, millisBehindLatest, at, 'resolved');
  }

  private alert(shardId: string, shard: ShardLag, lag: number, at: number, notification: 'firing' | 'escalated' | 'resolved'): AlertEvent {
    const since = shard.behindSince!;
    const key = processingLagKey(shardId);
    const what =
      notification === 'resolved'
        ? `caught up: ${minutes(lag)} behind the stream again (worst ${minutes(shard.worst)})`
        : `${minutes(lag)} behind the tip of the stream (threshold ${minutes(this.config.thresholdMs)})${notification === 'escalated' ? ' (escalated to critical)' : ''}`;
    return {
      alertId: alertIdOf('processing_lag', key, since),
      detector: 'processing_lag',
      key,
      dimensions: { shard: shardId },
      severity: shard.severity,
      metric: 'millis_behind_latest',
      observed: lag,
      expected: this.config.thresholdMs,
      score: Math.min(1, lag / this.config.criticalMs),
      windowStart: since,
      windowEnd: at,
      since,
      status: notification === 'resolved' ? 'resolved' : 'firing',
      notification,
      group: 'stream',
      summary: `[${shard.severity}] processing lag on shard ${shardId}: ${what}, behind since ${new Date(since).toISOString()}`,
    };
  }
}
