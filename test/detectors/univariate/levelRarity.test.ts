/**
 * The level test: a value ranked among the series' own long history, both tails. What it is for:
 * a series that idles at zero between routine bursts, where the value tests' median and MAD are
 * zero and every burst looks alike to them, must still alert on a burst ten times any before it.
 */
import { describe, expect, it } from 'vitest';
import { LevelRarity } from '../../../detectors/univariate/levelRarity.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';

/** A deterministic uniform in [0, 1) (an LCG, no Math.random). */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Zero, with a burst of 1–3 rows of 10–100 every 30–60 rows, and one burst of 1,000 at `big`. */
function idleWithBursts(n: number, big: number): number[] {
  const u = uniform(777);
  const values = new Array<number>(n).fill(0);
  for (let i = 30; i < n; i += 30 + Math.floor(u() * 30)) {
    const length = 1 + Math.floor(u() * 3);
    for (let j = 0; j < length && i + j < n; j++) values[i + j] = 10 + Math.round(u() * 90);
  }
  values[big] = 1000;
  return values;
}

const CONFIG = { memory: 5000, tail: 0.2, warmup: 500 };

describe('level test', () => {
  it('makes a burst ten times the routine ones the top alert of a series idling at zero, which the value tests alone do not alert on', () => {
    const values = idleWithBursts(3000, 2500);
    // An alert is emitted on its row or, while the next rows escalate it, up to `hold` rows later.
    const burst = (scores: number[]): number => Math.max(...scores.slice(2500, 2500 + DEFAULT_STREAMING_SCORER.hold + 2));
    const withLevel = scoreSeries(values);
    expect(burst(withLevel)).toBe(Math.max(...withLevel.slice(600)));
    expect(burst(withLevel)).toBeGreaterThan(0.999);
    // The value tests alone (the departure-record bound off too: it also finds this burst) rank it
    // about 1 in 7, no alert; held back by the routine bursts before it, they scored it 0.
    expect(burst(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: null, record: null }))).toBeLessThan(0.9);
    expect(burst(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: null, record: null, routineEcho: null }))).toBe(0);
  });

  it('calls a drop far below every past level rare, an ordinary level common, and says nothing while warming up', () => {
    const u = uniform(42);
    const test = new LevelRarity(CONFIG);
    for (let i = 0; i < CONFIG.warmup; i++) expect(test.next(50 + 10 * u())).toBeUndefined();
    for (let i = 0; i < 1000; i++) test.next(50 + 10 * u());
    expect(test.next(0)).toBeLessThan(0.01);
    expect(test.next(55)).toBeGreaterThan(0.5);
  });

  it('resumes from a JSON snapshot to the same rarities', () => {
    const values = idleWithBursts(1500, 1200);
    const whole = new LevelRarity(CONFIG);
    const expected = values.map((v) => whole.next(v));
    const first = new LevelRarity(CONFIG);
    const head = values.slice(0, 700).map((v) => first.next(v));
    const restored = new LevelRarity(CONFIG, JSON.parse(JSON.stringify(first.snapshot())));
    expect([...head, ...values.slice(700).map((v) => restored.next(v))]).toEqual(expected);
  });
});
