import { describe, expect, it } from 'vitest';
import { Rng, WeightedPicker } from '../../../stream/generator/rng.ts';
import { diurnalMultiplier } from '../../../stream/generator/diurnal.ts';
import { resolveGeneratorConfig } from '../../../stream/generator/config.ts';
import { generateTraffic } from '../../../stream/generator/traffic.ts';

describe('Rng', () => {
  it('repeats its sequence for a seed, and split streams differ from each other', () => {
    const a = Rng.seeded(1);
    const b = Rng.seeded(1);
    const seqA = Array.from({ length: 5 }, () => a.int(0, 1000));
    expect(Array.from({ length: 5 }, () => b.int(0, 1000))).toEqual(seqA);
    const root = Rng.seeded(1);
    const s1 = root.split();
    const s2 = root.split();
    expect(Array.from({ length: 5 }, () => s1.int(0, 1000))).not.toEqual(Array.from({ length: 5 }, () => s2.int(0, 1000)));
  });

  it('draws Poisson counts with the requested mean, for small and large means', () => {
    const rng = Rng.seeded(9);
    for (const mean of [0.3, 4, 200]) {
      const n = 20_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rng.poisson(mean);
      // Standard error of the mean is sqrt(mean / n); allow 5 of them.
      expect(Math.abs(sum / n - mean)).toBeLessThan(5 * Math.sqrt(mean / n));
    }
  });

  it('picks weighted values in proportion to their weights', () => {
    const rng = Rng.seeded(3);
    const picker = new WeightedPicker([
      { value: 'a', weight: 1 },
      { value: 'b', weight: 3 },
    ]);
    let b = 0;
    for (let i = 0; i < 20_000; i++) if (picker.pick(rng) === 'b') b++;
    expect(b / 20_000).toBeGreaterThan(0.73);
    expect(b / 20_000).toBeLessThan(0.77);
  });
});

describe('diurnal curve', () => {
  it('is about 0.3× at 04:00 UTC, peaks in the evening, and is continuous across midnight', () => {
    const at = (h: number, m = 0) => diurnalMultiplier(Date.UTC(2026, 10, 1, h, m));
    expect(at(4)).toBeGreaterThan(0.25);
    expect(at(4)).toBeLessThan(0.4);
    expect(at(20)).toBeGreaterThan(1.5);
    expect(Math.abs(at(23, 59) - diurnalMultiplier(Date.UTC(2026, 10, 2, 0, 0)))).toBeLessThan(0.01);
  });
});

describe('config', () => {
  it('rejects bad options with one sentence naming each', () => {
    expect(() => resolveGeneratorConfig({ duplicateRate: 1.5, campaigns: 0 })).toThrow(/campaigns must be an integer ≥ 1, got 0; duplicateRate must be a share in \[0, 1\), got 1.5/);
    expect(() => resolveGeneratorConfig({ anomalies: [{ kind: 'traffic_drop', start: 10, end: 5 }] })).toThrow(/must start before it ends/);
  });

  it('refuses the default anomaly plan in a run too short to hold it', () => {
    expect(() => generateTraffic({ durationMs: 20 * 60_000 })).toThrow(/too short for the default anomaly plan/);
  });
});
