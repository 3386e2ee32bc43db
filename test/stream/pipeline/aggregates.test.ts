import { describe, expect, it } from 'vitest';
import { Rng } from '../../../stream/generator/rng.ts';
import { funnelValues, GroupAggregate } from '../../../stream/pipeline/aggregates/groupAggregate.ts';
import { hash64 } from '../../../stream/pipeline/aggregates/hash64.ts';
import { HyperLogLog } from '../../../stream/pipeline/aggregates/hyperLogLog.ts';
import { QuantileSketch } from '../../../stream/pipeline/aggregates/quantileSketch.ts';
import { addToSummary, emptySummary, mergeSummary } from '../../../stream/pipeline/aggregates/summary.ts';
import { bidRequest, click } from '../events/eventFixtures.ts';

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Nearest rank, computed independently of the sketch. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

describe('hash64', () => {
  it('separates ids and uses all 64 bits', () => {
    expect(hash64('')).toEqual(hash64(''));
    const a = hash64('evt-000001');
    const b = hash64('evt-000002');
    expect(a).not.toEqual(b);
    // Both halves use all 32 bits over many ids (no stuck high bits).
    let orHi = 0;
    let orLo = 0;
    for (let i = 0; i < 1000; i++) {
      const h = hash64(`id-${i}`);
      orHi |= h.hi;
      orLo |= h.lo;
    }
    expect(orHi >>> 0).toBe(0xffffffff);
    expect(orLo >>> 0).toBe(0xffffffff);
  });

  it('spreads sequential ids evenly over 64 buckets of each half (chi-square well under the 0.1% critical value)', () => {
    const n = 64_000;
    const hiBuckets = new Array(64).fill(0);
    const loBuckets = new Array(64).fill(0);
    for (let i = 0; i < n; i++) {
      const h = hash64(`evt-${i}`);
      hiBuckets[h.hi >>> 26] += 1;
      loBuckets[h.lo & 63] += 1;
    }
    const chi = (counts: number[]) => counts.reduce((sum, c) => sum + (c - n / 64) ** 2 / (n / 64), 0);
    // 63 degrees of freedom: the 0.1% critical value is 103.4.
    expect(chi(hiBuckets)).toBeLessThan(103.4);
    expect(chi(loBuckets)).toBeLessThan(103.4);
  });
});

describe('HyperLogLog', () => {
  it('counts small sets exactly (sparse mode)', () => {
    const hll = new HyperLogLog();
    for (let i = 0; i < 300; i++) hll.add(`user-${i % 200}`);
    expect(hll.estimate()).toBe(200);
  });

  it.each([1_000, 10_000, 100_000, 1_000_000])('estimates %i distinct ids within 3 standard errors (4.9%%) of the exact count', (n) => {
    const hll = new HyperLogLog();
    // Every id twice: n distinct.
    for (let i = 0; i < 2 * n; i++) hll.add(`user-${i % n}`);
    const truth = n;
    expect(Math.abs(hll.estimate() - truth) / truth).toBeLessThan(3 * (1.04 / 64));
  });

  it('merge(a, b) is the sketch of a ∪ b, bit for bit, in any order, sparse or dense', () => {
    const rng = Rng.seeded(7);
    for (let trial = 0; trial < 20; trial++) {
      const sizeA = rng.int(0, 3_000);
      const sizeB = rng.int(0, 3_000);
      const a = Array.from({ length: sizeA }, () => `id-${rng.int(0, 5_000)}`);
      const b = Array.from({ length: sizeB }, () => `id-${rng.int(0, 5_000)}`);
      const sketchOf = (ids: string[]) => {
        const h = new HyperLogLog();
        ids.forEach((id) => h.add(id));
        return h;
      };
      const union = sketchOf([...a, ...b]);
      const ab = sketchOf(a);
      ab.merge(sketchOf(b));
      const ba = sketchOf(b);
      ba.merge(HyperLogLog.restore(roundTrip(sketchOf(a).snapshot())));
      expect(ab.snapshot()).toEqual(union.snapshot());
      expect(ba.snapshot()).toEqual(union.snapshot());
      expect(ab.estimate()).toBe(union.estimate());
    }
  });

  it('survives a JSON snapshot', () => {
    const hll = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) hll.add(`x${i}`);
    const restored = HyperLogLog.restore(roundTrip(hll.snapshot()));
    expect(restored.estimate()).toBe(hll.estimate());
  });
});

describe('QuantileSketch (DDSketch)', () => {
  const rng = Rng.seeded(11);
  const values = Array.from({ length: 20_000 }, () => Math.round(rng.logRange(1, 600_000)));

  it('answers p50 and p99 within 1% of the exact nearest-rank quantile', () => {
    const sketch = new QuantileSketch();
    values.forEach((v) => sketch.accept(v));
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(sketch.quantile(q) - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
    }
  });

  it('merge(a, b) answers like the sketch of a ∪ b, and a JSON snapshot changes nothing', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    const all = new QuantileSketch();
    values.forEach((v, i) => {
      (i % 3 === 0 ? a : b).accept(v);
      all.accept(v);
    });
    a.accept(0);
    all.accept(0);
    const merged = QuantileSketch.restore(roundTrip(a.snapshot()));
    merged.merge(QuantileSketch.restore(roundTrip(b.snapshot())));
    for (const q of [0, 0.01, 0.5, 0.99, 1]) expect(merged.quantile(q)).toBe(all.quantile(q));
    expect(merged.count).toBe(values.length + 1);
  });

  it('keeps the nearest-rank definition in a small window: p99 of a few values is their largest', () => {
    // A sparse shard's window: one record of two was 8 minutes behind. DDSketch's own rank,
    // q × (n − 1), gave the smaller value at p99 for any window of up to 100 values.
    const cases: number[][] = [[0, 480_000], [0, 25_000, 50_000, 85_000], [...Array.from({ length: 49 }, () => 0), 600_000]];
    for (const small of cases) {
      const sketch = new QuantileSketch();
      small.forEach((v) => sketch.accept(v));
      for (const q of [0.5, 0.99]) {
        const exact = exactQuantile(small, q);
        expect(Math.abs(sketch.quantile(q) - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
      }
    }
  });

  it('gives 0 for an empty sketch and survives one that saw only zeros', () => {
    expect(new QuantileSketch().quantile(0.99)).toBe(0);
    const zeros = new QuantileSketch();
    zeros.accept(0);
    expect(QuantileSketch.restore(roundTrip(zeros.snapshot())).quantile(0.99)).toBe(0);
  });
});

describe('count, sum, min, max', () => {
  it('merge equals the summary of the union', () => {
    const a = emptySummary();
    const b = emptySummary();
    [5, 3, 9].forEach((v) => addToSummary(a, v));
    [1, 12].forEach((v) => addToSummary(b, v));
    mergeSummary(a, b);
    expect(a).toEqual({ count: 5, sum: 30, min: 1, max: 12 });
    const empty = emptySummary();
    mergeSummary(empty, emptySummary());
    expect(empty).toEqual({ count: 0, sum: 0, min: null, max: null });
  });
});

describe('a key\'s aggregate merged from two shards\' partials', () => {
  it('reports the funnel of the union: bids won, bid price range, distinct clicking users and bidder latency quantiles', () => {
    // Shard A: bids at 300 (won, 10 ms), 500 (lost, 20 ms), 700 (won, 30 ms), 800 (lost, 40 ms),
    // 650 (lost, 50 ms); clicks by u1, u2. Shard B: bids at 100 (won, 60 ms), 900 (lost, 70 ms),
    // 400 (lost, 80 ms), 450 (lost, 90 ms), 550 (lost, 1000 ms); clicks by u2, u3.
    // By hand: 10 bids, 3 won (win_rate 0.3), price 100..900 µ, 3 distinct users of 4 clicks;
    // latencies sorted 10..90, 1000: nearest rank p50 = 5th = 50 ms, p99 = 10th = 1000 ms.
    const a = new GroupAggregate();
    const b = new GroupAggregate();
    const bids = (into: GroupAggregate, rows: [price: number, won: boolean, latency: number][]) => {
      for (const [price, won, latency] of rows) into.add({ type: 'bid_request', body: bidRequest({ bid_price_micros: price, won, bidder_latency_ms: latency }) });
    };
    bids(a, [[300, true, 10], [500, false, 20], [700, true, 30], [800, false, 40], [650, false, 50]]);
    bids(b, [[100, true, 60], [900, false, 70], [400, false, 80], [450, false, 90], [550, false, 1000]]);
    for (const user of ['u1', 'u2']) a.add({ type: 'click', body: click({ user_id: user }) });
    for (const user of ['u2', 'u3']) b.add({ type: 'click', body: click({ user_id: user }) });
    a.merge(GroupAggregate.restore(roundTrip(b.snapshot())));
    const values = funnelValues(a);
    expect(values).toMatchObject({ bids: 10, bids_won: 3, win_rate: 0.3, bid_price_min_micros: 100, bid_price_max_micros: 900, clicks: 4, click_users: 3 });
    // DDSketch answers within its 1 % relative accuracy.
    expect(Math.abs(values.bidder_latency_p50_ms - 50)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(values.bidder_latency_p99_ms - 1000)).toBeLessThanOrEqual(10);
  });
});
