import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../../stream/pipeline/dedupe.ts';

const HOUR = 3_600_000;

describe('dedupe by event id', () => {
  it('passes the first sighting and flags repeats', () => {
    const dedupe = new Deduplicator(HOUR);
    expect(dedupe.firstSighting('a', 0)).toBe(true);
    expect(dedupe.firstSighting('b', 10)).toBe(true);
    expect(dedupe.firstSighting('a', 0)).toBe(false);
  });

  it('forgets ids older than the horizon, which bounds memory', () => {
    const dedupe = new Deduplicator(HOUR);
    for (let i = 0; i < 1000; i++) dedupe.firstSighting(`old-${i}`, i);
    dedupe.firstSighting('new', 3 * HOUR);
    dedupe.evict();
    expect(dedupe.size).toBe(1);
  });

  it('survives a snapshot and restore', () => {
    const dedupe = new Deduplicator(HOUR);
    dedupe.firstSighting('a', 5);
    const restored = Deduplicator.restore(JSON.parse(JSON.stringify(dedupe.snapshot())));
    expect(restored.firstSighting('a', 5)).toBe(false);
    expect(restored.firstSighting('b', 6)).toBe(true);
  });
});
