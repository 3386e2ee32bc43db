/**
 * CloudWatch Embedded Metric Format: one JSON object per metric event, whose `_aws` directive
 * tells CloudWatch which members are metrics and which dimensions they are reported by
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The timestamp is the window's start (the time the values describe), not the time of writing,
 * so the same window always gives the same line.
 */
import type { MetricRecord } from './metricsSink.ts';

export const EMF_NAMESPACE = 'adstream';
/** The specification allows at most 100 metrics per directive and 30 dimensions per set. */
const MAX_METRICS = 100;

export type EmfUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'None';

export function unitOf(name: string): EmfUnit {
  if (name.endsWith('_ms')) return 'Milliseconds';
  if (name.endsWith('_bytes') || name === 'bytes') return 'Bytes';
  if (name.endsWith('_micros') || ['ctr', 'cvr', 'win_rate'].includes(name)) return 'None';
  return 'Count';
}

export function emfObject(metric: MetricRecord, namespace = EMF_NAMESPACE): Record<string, unknown> {
  const names = Object.keys(metric.values).sort().slice(0, MAX_METRICS);
  const dimensionNames = Object.keys(metric.dimensions).sort();
  const line: Record<string, unknown> = {
    _aws: {
      Timestamp: metric.windowStart,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [dimensionNames],
          Metrics: names.map((name) => ({ Name: name, Unit: unitOf(name) })),
        },
      ],
    },
  };
  for (const name of dimensionNames) line[name] = metric.dimensions[name];
  for (const name of names) line[name] = metric.values[name];
  // Context that is not a dimension: searchable in Logs Insights, free in CloudWatch.
  line.window_start = metric.windowStart;
  line.window_end = metric.windowEnd;
  line.watermark = metric.watermark;
  line.key = metric.key;
  return line;
}

export const emfLine = (metric: MetricRecord, namespace = EMF_NAMESPACE): string => JSON.stringify(emfObject(metric, namespace));
