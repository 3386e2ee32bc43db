/**
 * The spread-rise rule (streamingScorer.ts header, 23): a series whose noise grows while its values
 * stay inside their usual swing is reported, which the value tests alone missed; a fall of the
 * noise is not. Hand-built series, seeded noise.
 */
import { describe, expect, it } from 'vitest';
import { SpreadRise, type SpreadRiseConfig } from '../../../detectors/univariate/spreadRise.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';
import { seededUniform } from '../../support/seededRandom.ts';

const SMALL: SpreadRiseConfig = { recent: 6, baseline: 12, memory: 1000, tail: 0.2, warmup: 20 };

/** The test's output for each value, in order. */
function run(values: number[], config = SMALL): (number | undefined)[] {
  const test = new SpreadRise(config);
  return values.map((v) => test.next(v));
}

/** `rows` values of 50 ± `width`/2, seeded. */
function noise(rows: number, width: number, seed: number): number[] {
  const uniform = seededUniform(seed);
  return Array.from({ length: rows }, () => 50 + width * (uniform() - 0.5));
}

describe('SpreadRise', () => {
  it('says nothing until it has a baseline, a recent stretch and its warm-up of ratios', () => {
    const out = run(noise(60, 2, 1));
    // The first value has no change; 18 changes fill the stretches (the first ratio at value 18),
    // and a rarity needs 20 ratios before it: none before value 38.
    expect(out.slice(0, 38).every((r) => r === undefined)).toBe(true);
    expect(out.slice(38).some((r) => r !== undefined)).toBe(true);
  });

  it('ranks a rise of the noise as rare, and reports no fall at all', () => {
    const steady = noise(300, 2, 2);
    // Noise ten times as wide for the last 6 rows: the recent changes' spread is about 10 times the baseline's.
    const louder = [...steady, ...noise(6, 20, 3)];
    const risen = run(louder).slice(-1)[0];
    expect(risen).toBeDefined();
    // Among the 282 earlier ratios, all of steady noise, it is rarer than 1 in 100.
    expect(risen!).toBeLessThan(0.01);
    // The noise falling to a tenth instead is not reported.
    const quieter = [...steady, ...noise(6, 0.2, 3)];
    expect(run(quieter).slice(-1)[0]).toBeUndefined();
    expect(() => new SpreadRise({ ...SMALL, recent: 0 })).toThrow(RangeError);
  });

  it('resumes from a JSON snapshot to the same rarities', () => {
    const values = [...noise(200, 2, 4), ...noise(20, 6, 5)];
    const first = new SpreadRise(SMALL);
    for (const v of values.slice(0, 150)) first.next(v);
    const restored = new SpreadRise(SMALL, JSON.parse(JSON.stringify(first.snapshot())));
    expect(values.slice(150).map((v) => restored.next(v))).toEqual(run(values).slice(150));
  });
});

describe('the streaming scorer on a swinging series whose noise grows', () => {
  // 3,000 rows of 50 + 10 sin(2πi/24) (a 24-row cycle, as a day of hourly rows) plus noise ±1; from
  // row 2,500 to 2,599 the noise is ±2.5. The values stay within the swing (40–60 ± noise).
  const FROM = 2500;
  const TO = 2600;
  function swinging(): number[] {
    const uniform = seededUniform(2);
    return Array.from({ length: 3000 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 24) + 2 * (i >= FROM && i < TO ? 2.5 : 1) * (uniform() - 0.5));
  }

  it('reports the noise within 30 rows of its rise, where the value tests alone saw nothing', () => {
    const values = swinging();
    expect(Math.min(...values.slice(FROM, TO))).toBeGreaterThan(37);
    expect(Math.max(...values.slice(FROM, TO))).toBeLessThan(63);
    const on = scoreSeries(values, DEFAULT_STREAMING_SCORER);
    expect(Math.max(...on.slice(FROM, FROM + 30))).toBeGreaterThan(0.995);
    // No alert from the rule while the noise was steady.
    expect(Math.max(...on.slice(1000, FROM))).toBeLessThan(0.99);
    const off = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, spread: null });
    expect(Math.max(...off.slice(FROM, TO))).toBeLessThan(0.98);
  });
});
