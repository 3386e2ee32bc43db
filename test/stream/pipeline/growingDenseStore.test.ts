import { describe, expect, it } from 'vitest';
import { DenseStore } from '@datadog/sketches-js/dist/ddsketch/store/DenseStore.js';
import { GrowingDenseStore } from '../../../stream/pipeline/aggregates/growingDenseStore.ts';
import { QuantileSketch } from '../../../stream/pipeline/aggregates/quantileSketch.ts';
import { seededUniform } from '../../support/seededRandom.ts';

/** What a store holds, whatever its layout: each key's count from the minimum to the maximum key, and every rank's key. */
function contents(store: DenseStore) {
  const counts: number[] = [];
  for (let key = store.minKey; key <= store.maxKey; key++) counts.push(store.bins[key - store.offset]);
  const ranks: number[] = [];
  for (let rank = 0; rank < store.count; rank++) ranks.push(store.keyAtRank(rank), store.keyAtRank(rank, false));
  return { minKey: store.minKey, maxKey: store.maxKey, count: store.count, counts, ranks };
}

/** Keys as a sketch of delays makes them: mostly near a centre, a few far out on either side, in a seeded order. */
function keysFrom(seed: number, length: number): number[] {
  const random = seededUniform(seed);
  const centre = Math.floor(random() * 600);
  return Array.from({ length }, () => {
    const spread = random() < 0.1 ? 400 : 20;
    return Math.max(0, Math.round(centre + (random() - 0.5) * 2 * spread));
  });
}

describe('GrowingDenseStore', () => {
  it('holds what DenseStore holds after the same adds and merges, whatever the order of keys', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededUniform(seed * 7919);
      const ours = [new GrowingDenseStore(), new GrowingDenseStore()];
      const theirs = [new DenseStore(), new DenseStore()];
      for (const key of keysFrom(seed, 1 + Math.floor(random() * 300))) {
        const which = random() < 0.5 ? 0 : 1;
        const weight = random() < 0.9 ? 1 : 3;
        ours[which].add(key, weight);
        theirs[which].add(key, weight);
      }
      expect(contents(ours[0])).toEqual(contents(theirs[0]));
      expect(contents(ours[1])).toEqual(contents(theirs[1]));
      // Merges both ways, and into an empty store (DenseStore's copy).
      const into = random() < 0.5 ? 0 : 1;
      ours[into].merge(ours[1 - into]);
      theirs[into].merge(theirs[1 - into]);
      expect(contents(ours[into])).toEqual(contents(theirs[into]));
      const empty = new GrowingDenseStore();
      empty.merge(ours[into]);
      expect(contents(empty)).toEqual(contents(theirs[into]));
    }
  });

  it('makes a new array only when a key falls outside the one it has, with room for the span to double', () => {
    const store = new GrowingDenseStore();
    store.add(300);
    const first = store.bins;
    for (let key = 300; key < 300 + first.length / 2 - 1; key++) store.add(key);
    expect(store.bins).toBe(first);
    store.add(300 + 4 * first.length);
    expect(store.bins.length).toBeGreaterThanOrEqual(2 * (store.maxKey - store.minKey + 1));
    expect(contents(store).counts.reduce((a, b) => a + b, 0)).toBe(store.count);
  });
});

describe('QuantileSketch on a GrowingDenseStore', () => {
  const values = Array.from({ length: 5_000 }, (_, i) => Math.round(((i * 7919) % 600_000) ** 0.9));

  it('snapshots the bins from the minimum to the maximum key, and answers the same after a restore', () => {
    const sketch = new QuantileSketch();
    values.forEach((v) => sketch.accept(v));
    const snapshot = JSON.parse(JSON.stringify(sketch.snapshot()));
    expect(snapshot.store.offset).toBe(snapshot.store.minKey);
    expect(snapshot.store.bins).toHaveLength(snapshot.store.maxKey - snapshot.store.minKey + 1);
    const restored = QuantileSketch.restore(snapshot);
    restored.accept(1);
    sketch.accept(1);
    for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]) expect(restored.quantile(q)).toBe(sketch.quantile(q));
  });

  it('restores a snapshot written before, with bins centred in a longer array, to the same answers', () => {
    const sketch = new QuantileSketch();
    values.forEach((v) => sketch.accept(v));
    const trimmed = sketch.snapshot();
    const store = trimmed.store!;
    // DenseStore's layout: the same counts at an offset 37 keys lower, zeros around them.
    const before = { ...trimmed, store: { ...store, offset: store.offset - 37, bins: [...new Array(37).fill(0), ...store.bins, ...new Array(50).fill(0)] } };
    const restored = QuantileSketch.restore(before);
    for (const v of [0, 3, 90_000, 2_000_000]) {
      restored.accept(v);
      sketch.accept(v);
    }
    for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]) expect(restored.quantile(q)).toBe(sketch.quantile(q));
  });
});
