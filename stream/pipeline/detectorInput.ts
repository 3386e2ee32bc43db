/**
 * What the detectors are shown of closed windows. A window that no event reached by its event time
 * (`WindowAccumulator.heldEvents`) holds only records counted when they arrived after the shard's
 * windows through their time had closed: a bounded run's end closes them all, and the next run
 * may read nothing but a DLQ re-drive of records still bad. Such a window's rejections
 * are real news (a producer sending only garbage), but the rest of it describes no
 * traffic, and every campaign missing from it was scored as dropped to zero (ten false alerts).
 * So the detectors see it alone, scored on its rejections only, and fill no absent series with a
 * zero.
 */
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { ObserveOptions } from '../../detectors/volumeDetector.ts';
import type { WindowAccumulator } from './windowAccumulator.ts';

/** A closed window's metric events, with whether an event reached it. */
export interface ClosedWindowMetrics {
  metrics: MetricEvent[];
  eventless: boolean;
}

/**
 * What of a shard's or the stream's quality an eventless window is scored on: its rejections.
 * Its valid count and delays describe no traffic; its late records are what a re-drive of fixed
 * records is (their windows closed), and its duplicates what a re-drive run twice is, both
 * expected there (README, dlq replay): scored, each read as 100 % of the window.
 */
const EVENTLESS_QUALITY = ['rejected'];

export const closedWindowMetrics = (window: WindowAccumulator, metrics: MetricEvent[]): ClosedWindowMetrics => ({ metrics, eventless: !window.heldEvents() });

const eventlessQuality = (metric: MetricEvent): MetricEvent =>
  metric.dimensions.quality === 'stream' ? { ...metric, values: Object.fromEntries(Object.entries(metric.values).filter(([name]) => EVENTLESS_QUALITY.includes(name))) } : metric;

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
    alerts.push(...detector.observe(window.metrics.map(eventlessQuality), { eventless: true }));
  }
  flush();
  return alerts;
}
