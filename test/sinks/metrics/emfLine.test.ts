/**
 * emfLine writes each line from text prepared per shape of metric (emf.ts); it must be the very
 * line JSON.stringify makes of emfObject, whatever the names and values: names JSON would order
 * first (array indexes) or merge (a dimension and a value of one name, a value named like a fixed
 * member), values JSON has no number for, strings that need escapes, over 100 values.
 */
import { describe, expect, it } from 'vitest';
import { emfLine, emfObject } from '../../../sinks/metrics/emf.ts';
import type { MetricRecord } from '../../../sinks/metrics/metricsSink.ts';

const T0 = Date.UTC(2026, 10, 1, 7, 0, 0);

const metric = (values: Record<string, number>, dimensions: Record<string, string> = { campaign: 'c1', type: 'click' }, key = 'campaign=c1|type=click'): MetricRecord => ({
  windowStart: T0,
  windowEnd: T0 + 60_000,
  key,
  dimensions,
  values,
  watermark: T0 + 120_000,
});

const cases: Record<string, MetricRecord> = {
  plain: metric({ count: 12, spend_micros: 3_400_000, ctr: 0.125, p99_ms: 87.5, bytes: 0 }),
  'values in another order': metric({ spend_micros: 1, count: 2, ctr: -0 }),
  'no values, no dimensions': metric({}, {}, 'all'),
  'NaN and infinities': metric({ ratio: Number.NaN, top: Number.POSITIVE_INFINITY, bottom: Number.NEGATIVE_INFINITY, tiny: 5e-324, huge: 1.7976931348623157e308 }),
  'strings that need escapes': metric({ 'a"b\\c': 1, 'tab\there': 2 }, { campaign: 'Zürich "東京" 🚀\n\u0001', ['lone\uD800']: 'x\uDC00' }, 'k"\\\u2028'),
  'an array index as a name': metric({ count: 1, '7': 2, '42': 3 }),
  'a dimension and a value of one name': metric({ campaign: 5, count: 1 }),
  'a value named like a fixed member': metric({ key: 1, window_start: 2, _aws: 3, watermark: 4, window_end: 5 }),
  'more than 100 values': metric(Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`m${String(i).padStart(3, '0')}`, i]))),
  'a value that is not a number': metric({ count: '12' as unknown as number }),
  'a dimension that is not a string': metric({ count: 1 }, { campaign: undefined as unknown as string, type: 'click' }),
  'times that are not finite': { ...metric({ count: 1 }), windowStart: Number.NaN },
};

describe('emfLine', () => {
  it.each(Object.keys(cases))('writes JSON.stringify of emfObject: %s', (name) => {
    const record = cases[name];
    // Twice: the first line of a shape prepares its text, the second uses it.
    expect(emfLine(record)).toBe(JSON.stringify(emfObject(record)));
    expect(emfLine(record)).toBe(JSON.stringify(emfObject(record)));
    expect(emfLine(record, 'other/ns')).toBe(JSON.stringify(emfObject(record, 'other/ns')));
  });
});
