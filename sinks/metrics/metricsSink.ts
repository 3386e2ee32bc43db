/**
 * Where metric events go besides the lake's `_metrics` table: CloudWatch Embedded Metric Format
 * lines (a file per batch, or a log stream CloudWatch ingests), later a Kinesis metrics stream.
 *
 * `write` is called with a name derived from the source position (stream, shard, first sequence
 * number), so a batch redone after a crash overwrites its own output instead of repeating it,
 * like the lake's files. The record shape is the detectors' MetricEvent, restated here because
 * sinks/ never imports from detectors/.
 */
export interface MetricRecord {
  windowStart: number;
  windowEnd: number;
  key: string;
  dimensions: Record<string, string>;
  values: Record<string, number>;
  watermark: number;
  /**
   * On a shard's partial window, the shard whose commit sent it (absent on stream-wide windows,
   * `scope=stream`, and on operational series). Two shards' partials share a key and window, so
   * a consumer of the metrics stream dedupes a batch sent again on (shard, key, windowStart).
   */
  shard?: string;
}

export interface MetricsSink {
  write(name: string, metrics: readonly MetricRecord[]): Promise<void>;
  close?(): Promise<void>;
}

export function fanOutMetricsSink(sinks: readonly MetricsSink[]): MetricsSink {
  return {
    async write(name, metrics) {
      for (const sink of sinks) await sink.write(name, metrics);
    },
    async close() {
      for (const sink of sinks) await sink.close?.();
    },
  };
}

/** Passes on only the metric events `keep` accepts (e.g. no per-campaign series to CloudWatch). */
export function filterMetricsSink(sink: MetricsSink, keep: (metric: MetricRecord) => boolean): MetricsSink {
  return {
    write: (name, metrics) => sink.write(name, metrics.filter(keep)),
    close: () => sink.close?.() ?? Promise.resolve(),
  };
}
