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
 * `JSON.stringify(emfObject(metric, namespace))`, from text prepared once per namespace, value
 * names and dimension names (the bench replay writes 44,699 lines, all of a few shapes): building
 * and stringifying each line's object, its directive included, cost 4.5 µs a line (200 ms of the
 * replay's 12 CPU-seconds; 70 ms from prepared text). A shape whose names JSON.stringify would reorder or merge (an array index, a name used
 * twice), and a line with a value of another type, go through the object.
 */
export function emfLine(metric: MetricRecord, namespace = EMF_NAMESPACE): string {
  const shape = shapeOf(metric, namespace);
  if (!shape) return JSON.stringify(emfObject(metric, namespace));
  let line = `${shape.head}${metric.windowStart}${shape.directive}`;
  for (let i = 0; i < shape.dimensionNames.length; i++) {
    const value = metric.dimensions[shape.dimensionNames[i]];
    if (typeof value !== 'string') return JSON.stringify(emfObject(metric, namespace));
    line += shape.dimensionKeys[i] + JSON.stringify(value);
  }
  for (let i = 0; i < shape.names.length; i++) {
    const value = metric.values[shape.names[i]];
    if (typeof value !== 'number') return JSON.stringify(emfObject(metric, namespace));
    // JSON has no NaN or infinity: JSON.stringify writes null for them.
    line += shape.valueKeys[i] + (Number.isFinite(value) ? String(value) : 'null');
  }
  if (typeof metric.windowEnd !== 'number' || typeof metric.watermark !== 'number' || typeof metric.key !== 'string' || !Number.isFinite(metric.windowStart + metric.windowEnd + metric.watermark)) {
    return JSON.stringify(emfObject(metric, namespace));
  }
  return `${line},"window_start":${metric.windowStart},"window_end":${metric.windowEnd},"watermark":${metric.watermark},"key":${JSON.stringify(metric.key)}}`;
}

interface Shape {
  /** The line up to its timestamp, and from it to the end of the directive. */
  head: string;
  directive: string;
  dimensionNames: string[];
  /** `,"name":` of each dimension and value, in line order. */
  dimensionKeys: string[];
  /** The values written: the first MAX_METRICS names in order. */
  names: string[];
  valueKeys: string[];
  /** How many values a metric of this shape has, written or not. */
  valueCount: number;
}

/** The members every line has besides its dimensions and values. */
const FIXED_MEMBERS = ['_aws', 'window_start', 'window_end', 'watermark', 'key'];
/** A name JSON.stringify would write before the others: an array index. */
const isArrayIndex = (name: string): boolean => /^(0|[1-9]\d*)$/.test(name) && Number(name) < 2 ** 32 - 1;

/** Shapes by namespace, then by value names and dimension names as the metric holds them; null: not one for prepared text. */
const shapes = new Map<string, Map<string, Shape | null>>();
const MAX_SHAPES = 1_000;

function shapeOf(metric: MetricRecord, namespace: string): Shape | null {
  const valueNames = Object.keys(metric.values);
  const dimensionNames = Object.keys(metric.dimensions);
  const id = `${valueNames.join('\u0000')}\u0001${dimensionNames.join('\u0000')}`;
  let byNames = shapes.get(namespace);
  if (!byNames) shapes.set(namespace, (byNames = new Map()));
  let shape = byNames.get(id);
  if (shape === undefined) {
    shape = newShape(metric, namespace);
    // Bounded: a stream of ever new shapes only costs each line the object path.
    if (byNames.size >= MAX_SHAPES) byNames.clear();
    byNames.set(id, shape);
  }
  // Names holding the separators could give two shapes one id: the same counts, and every name
  // found (emfLine), make them the same names.
  if (shape && (valueNames.length !== shape.valueCount || dimensionNames.length !== shape.dimensionNames.length)) return null;
  return shape;
}

function newShape(metric: MetricRecord, namespace: string): Shape | null {
  const names = Object.keys(metric.values).sort().slice(0, MAX_METRICS);
  const dimensionNames = Object.keys(metric.dimensions).sort();
  const members = [...FIXED_MEMBERS, ...dimensionNames, ...names];
  if (new Set(members).size !== members.length || members.some(isArrayIndex)) return null;
  const aws = JSON.stringify({ Timestamp: 0, CloudWatchMetrics: (emfObject(metric, namespace)._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics });
  const at = aws.indexOf('0,"CloudWatchMetrics"');
  const member = (name: string) => `,${JSON.stringify(name)}:`;
  return {
    head: `{"_aws":${aws.slice(0, at)}`,
    directive: aws.slice(at + 1),
    dimensionNames,
    dimensionKeys: dimensionNames.map(member),
    names,
    valueKeys: names.map(member),
    valueCount: Object.keys(metric.values).length,
  };
}
