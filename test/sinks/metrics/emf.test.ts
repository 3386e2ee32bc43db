/**
 * emfLine builds its text from pieces kept per shape of line; it must always be the text
 * JSON.stringify gives for emfObject, including for the lines it hands back to that path.
 */
import { describe, expect, it } from 'vitest';
import { emfLine, emfObject } from '../../../sinks/metrics/emf.ts';
import type { MetricRecord } from '../../../sinks/metrics/metricsSink.ts';

const metric = (overrides: Partial<MetricRecord>): MetricRecord => ({
  windowStart: 1_793_495_880_000,
  windowEnd: 1_793_495_940_000,
  watermark: 1_793_495_940_048,
  key: 'scope=stream|campaign=c001',
  dimensions: { scope: 'stream', campaign: 'c001' },
  values: { impressions: 8, clicks: 0, ctr: 0, win_rate: 0.12698412698412698, bidder_latency_p99_ms: 125 },
  ...overrides,
});

const cases: Record<string, MetricRecord> = {
  'an ordinary line': metric({}),
  'the same shape again, other values': metric({ values: { impressions: 9, clicks: 1, ctr: 1 / 9, win_rate: 0, bidder_latency_p99_ms: 3 } }),
  'the same names in another order': metric({ values: { ctr: 0, clicks: 0, impressions: 8, win_rate: 0.5, bidder_latency_p99_ms: 1 } }),
  'NaN, infinite and negative zero values': metric({ values: { a: Number.NaN, b: Infinity, c: -0, d: -1.5e-300 } }),
  'an undefined value': metric({ values: { a: 1, b: undefined as unknown as number } }),
  'a name JavaScript orders first (an array index)': metric({ dimensions: { '7': 'x', scope: 'stream' } }),
  'a dimension and a metric of the same name': metric({ dimensions: { clicks: 'x' } }),
  'a name that is one of the fixed keys': metric({ values: { key: 1, window_end: 2 } }),
  'a name __proto__': metric({ values: JSON.parse('{"__proto__": 1, "b": 2}') as Record<string, number> }),
  'names and values that need escaping': metric({ dimensions: { 'a"\\b': 'line\nbreak \u2028 \ud800 "q"' } }),
  'more metrics than a directive may hold': metric({ values: Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`m${i}`, i])) }),
  'no dimensions': metric({ dimensions: {} }),
  'a window start that is not a number': metric({ windowStart: undefined as unknown as number }),
};

describe('emfLine', () => {
  it.each(Object.entries(cases))('is JSON.stringify(emfObject(…)) for %s', (_, record) => {
    expect(emfLine(record)).toBe(JSON.stringify(emfObject(record)));
    expect(emfLine(record, 'other/namespace')).toBe(JSON.stringify(emfObject(record, 'other/namespace')));
  });
});
