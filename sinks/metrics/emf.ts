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

/**
 * `JSON.stringify(emfObject(metric))`, built from text kept per shape of line: a replay writes tens
 * of thousands of lines of a handful of shapes (the same metric and dimension names), and building
 * the `_aws` directive's objects and sorting the names for each line was most of its cost. A line
 * whose text could differ from JSON.stringify's (a value that is not a plain number, string,
 * boolean or null; a shape whose keys JavaScript would reorder or merge) takes emfObject's path.
 */
export function emfLine(metric: MetricRecord, namespace = EMF_NAMESPACE): string {
  const shape = shapeOf(metric, namespace);
  const { windowStart, windowEnd, watermark, key } = metric;
  if (!shape || !isPlain(windowStart) || !isPlain(windowEnd) || !isPlain(watermark) || !isPlain(key)) return JSON.stringify(emfObject(metric, namespace));
  let line = `{"_aws":{"Timestamp":${JSON.stringify(windowStart)}${shape.directive}`;
  for (let i = 0; i < shape.dimensionNames.length; i++) {
    const value = metric.dimensions[shape.dimensionNames[i]];
    if (!isPlain(value)) return JSON.stringify(emfObject(metric, namespace));
    line += `${shape.dimensionKeys[i]}${JSON.stringify(value)}`;
  }
  for (let i = 0; i < shape.names.length; i++) {
    const value = metric.values[shape.names[i]];
    if (!isPlain(value)) return JSON.stringify(emfObject(metric, namespace));
    line += `${shape.nameKeys[i]}${typeof value === 'number' ? numberText(value) : JSON.stringify(value)}`;
  }
  return `${line},"window_start":${JSON.stringify(windowStart)},"window_end":${JSON.stringify(windowEnd)},"watermark":${JSON.stringify(watermark)},"key":${JSON.stringify(key)}}`;
}

/** A number as JSON.stringify writes it, without its call: a line holds a score of them. */
const numberText = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

/** A value JSON.stringify writes as itself (never omits, never calls toJSON on). */
const isPlain = (value: unknown): boolean => value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';

/** The text of a line's keys and directive, for one namespace, set of metric names and set of dimension names. */
interface LineShape {
  valueKeys: string[];
  dimensionKeysAsGiven: string[];
  /** The rest of `_aws` after its Timestamp, closing it. */
  directive: string;
  names: string[];
  nameKeys: string[];
  dimensionNames: string[];
  dimensionKeys: string[];
}

/** Shapes by namespace and names as the metric holds them (in their insertion order); null: not one for the fast path. */
const shapes = new Map<string, LineShape | null>();
/** Keys emfObject sets after the names (a name equal to one would be merged with it), and the one it cannot set. */
const FIXED_KEYS = ['_aws', 'window_start', 'window_end', 'watermark', 'key', '__proto__'];
/** Shapes kept at most: names come from code, not data, so a handful are ever seen. */
const MAX_SHAPES = 1_000;
/** A key JavaScript orders before every other (an array index), whatever the insertion order. */
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function shapeOf(metric: MetricRecord, namespace: string): LineShape | null {
  const valueKeys = Object.keys(metric.values);
  const dimensionKeysAsGiven = Object.keys(metric.dimensions);
  // The signature only finds the candidate; the key lists themselves are compared below.
  const signature = `${namespace}\0${valueKeys.join('\0')}\0\0${dimensionKeysAsGiven.join('\0')}`;
  let shape = shapes.get(signature);
  if (shape === undefined) {
    shape = newShape(metric, namespace, valueKeys, dimensionKeysAsGiven);
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(signature, shape);
  }
  if (shape && !(sameKeys(shape.valueKeys, valueKeys) && sameKeys(shape.dimensionKeysAsGiven, dimensionKeysAsGiven))) return null;
  return shape;
}

const sameKeys = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((key, i) => key === b[i]);

function newShape(metric: MetricRecord, namespace: string, valueKeys: string[], dimensionKeysAsGiven: string[]): LineShape | null {
  const aws = emfObject({ ...metric, windowStart: 0 }, namespace)._aws as { Timestamp: number; CloudWatchMetrics: unknown };
  const names = Object.keys(metric.values).sort().slice(0, MAX_METRICS);
  const dimensionNames = Object.keys(metric.dimensions).sort();
  const keys = [...dimensionNames, ...names, ...FIXED_KEYS];
  if (new Set(keys).size !== keys.length || keys.some((key) => ARRAY_INDEX.test(key))) return null;
  const quotedKey = (name: string) => `,${JSON.stringify(name)}:`;
  return {
    valueKeys,
    dimensionKeysAsGiven,
    directive: `,"CloudWatchMetrics":${JSON.stringify(aws.CloudWatchMetrics)}}`,
    names,
    nameKeys: names.map(quotedKey),
    dimensionNames,
    dimensionKeys: dimensionNames.map(quotedKey),
  };
}
