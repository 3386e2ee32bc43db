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

/** What a watched value measures: events (`count`), a share of trials (`share`, a rate test's), or a delay (`ms`). */
export type MetricUnit = 'count' | 'share' | 'ms';

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
  /** What observed and expected measure; absent on alerts from older versions (a count). */
  unit?: MetricUnit;
  /** Anomaly score in [0, 1]: 0.5 where a window becomes anomalous (the test's threshold), 0.99 and up critical. */
  score: number;
  windowStart: number;
  windowEnd: number;
  summary: string;
  /** Start of the first anomalous window of the incident, epoch ms. */
  since?: number;
  /** `resolved` notifications close an alert; absent on alerts from older versions (firing). */
  status?: 'firing' | 'resolved';
  /** Which lifecycle step this notification is. */
  notification?: 'firing' | 'escalated' | 'renotified' | 'resolved';
  /** Alerts of one window with the same group are sent as one notification (`campaign=c7`, `stream`). */
  group?: string;
  /** SQL over the `metrics` view that shows the series around the incident. */
  query?: string;
  /** The other alerts of the group, when this notification stands for several. */
  related?: AlertEvent[];
  /**
   * Set on an alert that is not paged, and why: a campaign's alert its peers explain
   * (peerInhibition.ts). The alert log keeps it, so an operator who asks why a campaign was not
   * paged finds the answer; notifiers (SNS) do not send it.
   */
  inhibited?: string;
}

/** Whether an alert is a page (sent to notifiers), not one kept in the log only (`inhibited`). */
export const isPaged = (alert: AlertEvent): boolean => alert.inhibited === undefined;
