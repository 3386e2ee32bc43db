/**
 * The minimum effect size (effectSize.ts) on hand-computed cases: a departure counts when the
 * larger of |value − recent median| and |value − previous| reaches minShare of the range seen
 * before the value.
 */
import { describe, expect, it } from 'vitest';
import { EffectSize } from '../../../detectors/univariate/effectSize.ts';

describe('effect size', () => {
  it('judges each value against the median, the previous value and the range seen before it', () => {
    const effect = new EffectSize({ window: 3, minShare: 0.1 });
    // Nothing to judge by yet: no previous value, then no range.
    expect(effect.next(0)).toBe(true);
    expect(effect.next(10)).toBe(true);
    // Range 10, bar 1. Median of [0, 10] is 5, previous 10: departures 0.5 and 4.5, so large.
    expect(effect.next(5.5)).toBe(true);
    // Median of [0, 10, 5.5] is 5.5, previous 5.5: 6.2 departs by 0.7 from both, under the bar.
    expect(effect.next(6.2)).toBe(false);
    // The window holds [10, 5.5, 6.2] (median 6.2), previous 6.2: 7.1 departs by 0.9, still under 1.
    expect(effect.next(7.1)).toBe(false);
    // Window [5.5, 6.2, 7.1], median 6.2: 7.3 is 1.1 from it (0.2 from the previous), so large.
    expect(effect.next(7.3)).toBe(true);
  });

  it('raises the bar as the range widens', () => {
    const effect = new EffectSize({ window: 5, minShare: 0.05 });
    for (const v of [10, 10.5, 10, 10.5]) effect.next(v);
    // Range 0.5, bar 0.025: 10.6 is 0.35 from the median 10.25, so it counts.
    expect(effect.next(10.6)).toBe(true);
    effect.next(30);
    // Range now 20, bar 1: back to 10.5 is 19.5 from the previous 30, so large; 10.9 after it is
    // 0.4 from both the median (10.5) and the previous value, so not.
    expect(effect.next(10.5)).toBe(true);
    expect(effect.next(10.9)).toBe(false);
  });

  it('resumes from a JSON snapshot to the same answers', () => {
    // A wiggle of 0.08 that counts until a jump at row 20 widens the range to 5; the cut falls after it.
    const values = Array.from({ length: 60 }, (_, i) => 10 + ((i * 7) % 5) * 0.02 + (i === 20 ? 5 : 0));
    const whole = new EffectSize({ window: 10, minShare: 0.05 });
    const expected = values.map((v) => whole.next(v));
    const first = new EffectSize({ window: 10, minShare: 0.05 });
    const head = values.slice(0, 25).map((v) => first.next(v));
    const restored = new EffectSize({ window: 10, minShare: 0.05 }, JSON.parse(JSON.stringify(first.snapshot())));
    const tail = values.slice(25).map((v) => restored.next(v));
    expect([...head, ...tail]).toEqual(expected);
    expect(expected).toContain(false);
    expect(expected).toContain(true);
  });

  it('refuses a window that is not a positive integer and a share outside [0, 1)', () => {
    expect(() => new EffectSize({ window: 0, minShare: 0.05 })).toThrow(/positive integer/);
    expect(() => new EffectSize({ window: 2.5, minShare: 0.05 })).toThrow(/positive integer/);
    expect(() => new EffectSize({ window: 10, minShare: 1 })).toThrow(/\[0, 1\)/);
    expect(() => new EffectSize({ window: 10, minShare: Number.NaN })).toThrow(/\[0, 1\)/);
  });
});
