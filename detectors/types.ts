/**
 * Metric events (one per closed window and key) and the alerts detectors derive from them.
 * Detectors are pure functions of these events: no AWS client, no wall clock.
 */
export interface MetricEvent {
  /** Window start and end, epoch ms (end exclusive). */
  windowStart: number;
  windowEnd: number;
  /** Series key, e.g. `campaign=c007|type=click` or `quality=rejected`. */
  key: string;
  /** Dimensions the key was built from. */
  dimensions: Record<string, string>;
  /** Named values: count, spend_micros, ctr, ... */
  values: Record<string, number>;
  /** Watermark at the moment the window closed. */
  watermark: number;
}

export type Severity = 'warning' | 'critical';

export interface AlertEvent {
  /** Deterministic: detector + key + start of the anomaly. */
  alertId: string;
  detector: string;
  key: string;
  dimensions: Record<string, string>;
  severity: Severity;
  /** The metric looked at, observed vs expected. */
  metric: string;
  observed: number;
  expected: number;
  /** Anomaly score in [0, 1]. */
  score: number;
  windowStart: number;
  windowEnd: number;
  summary: string;
}
