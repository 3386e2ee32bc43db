/**
 * What the detectors are shown of closed windows. A window that no event reached by its event time
 * (`WindowAccumulator.heldEvents`) holds only records counted when they arrived after the shard's
 * windows through their time had closed: a bounded run's end closes them all, and the next run
 * may read nothing but a DLQ re-drive of records still bad. Such a window's rejected and
 * duplicate counts are real news (a producer sending only garbage), but its volume of valid
 * events and its delays describe no traffic, and every campaign missing from it was scored as
 * dropped to zero (ten false alerts). So the detectors see it alone, without those values, and
 * fill no absent series with a zero.
 */
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { ObserveOptions } from '../../detectors/volumeDetector.ts';
import type { WindowAccumulator } from './windowAccumulator.ts';

/** A closed window's metric events, with whether an event reached it. */
export interface ClosedWindowMetrics {
  metrics: MetricEvent[];
  eventless: boolean;
}

/** Quality values that describe valid events: none in an eventless window, so not scored there. */
const EVENT_VALUES = ['valid', 'ingestion_delay_p50_ms', 'ingestion_delay_p99_ms', 'arrival_delay_p50_ms', 'arrival_delay_p99_ms'];

export const closedWindowMetrics = (window: WindowAccumulator, metrics: MetricEvent[]): ClosedWindowMetrics => ({ metrics, eventless: !window.heldEvents() });

const withoutEventValues = (metric: MetricEvent): MetricEvent => ({
  ...metric,
  values: Object.fromEntries(Object.entries(metric.values).filter(([name]) => !EVENT_VALUES.includes(name))),
});

/** Alerts of closed windows, oldest first: windows with events together, each eventless one alone (alerts group per window either way). */
export function observeClosedWindows(detector: { observe(metrics: MetricEvent[], options?: ObserveOptions): AlertEvent[] }, windows: readonly ClosedWindowMetrics[]): AlertEvent[] {
  const alerts: AlertEvent[] = [];
  let withEvents: MetricEvent[] = [];
  const flush = (): void => {
    if (withEvents.length > 0) alerts.push(...detector.observe(withEvents));
    withEvents = [];
  };
  for (const window of windows) {
    if (!window.eventless) {
      withEvents.push(...window.metrics);
      continue;
    }
    flush();
    alerts.push(...detector.observe(window.metrics.map(withoutEventValues), { eventless: true }));
  }
  flush();
  return alerts;
}
