/**
 * The seasonal profile on its own: slotting by UTC time (and an offset), warm-up by median,
 * clamped updates once warm, and memory of one number per slot.
 */
import { describe, expect, it } from 'vitest';
import {
  accumulate,
  advancePeriod,
  historyScales,
  newProfile,
  placeWindow,
  resolveSeasonality,
  type SeasonalProfile,
} from '../../detectors/seasonalProfile.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2024, 0, 1); // 2024-01-01 was a Monday

/** One period of hourly windows with `value(slot)` each, then moves on to the next period. */
function feedPeriod(profile: SeasonalProfile, config: ReturnType<typeof resolveSeasonality>, period: number, value: (slot: number) => number): void {
  advancePeriod(profile, config, period);
  for (let slot = 0; slot < profile.factors.length; slot++) accumulate(profile, slot, value(slot));
  advancePeriod(profile, config, period + 1);
}

describe('seasonal profile', () => {
  it('places windows by UTC hour of day, shifted by utcOffsetMinutes, and weeks from Monday', () => {
    const day = resolveSeasonality({ period: 'day' });
    expect(placeWindow(day, MONDAY + 9 * HOUR + 15 * 60_000, MONDAY + 9 * HOUR + 30 * 60_000)).toEqual({ period: MONDAY / DAY, slot: 9 });
    // UTC−5: 03:00 UTC is 22:00 the evening before
    const ny = resolveSeasonality({ period: 'day', utcOffsetMinutes: -300 });
    expect(placeWindow(ny, MONDAY + 3 * HOUR, MONDAY + 4 * HOUR)).toEqual({ period: MONDAY / DAY - 1, slot: 22 });
    const week = resolveSeasonality({ period: 'week' });
    expect(placeWindow(week, MONDAY, MONDAY + HOUR).slot).toBe(0);
    expect(placeWindow(week, MONDAY + 6 * DAY + 23 * HOUR, MONDAY + 7 * DAY).slot).toBe(167);
    // a window longer than a slot has no slot
    expect(placeWindow(day, MONDAY, MONDAY + 2 * HOUR).slot).toBe(-1);
  });

  it('rejects slots that do not divide the period', () => {
    expect(() => resolveSeasonality({ period: 'day', slotMs: 7 * HOUR })).toThrow(RangeError);
    expect(() => resolveSeasonality({ period: 'day', minPeriods: 0 })).toThrow(RangeError);
  });

  it('holds one number per slot in each array (24 a day, 168 a week)', () => {
    const p = newProfile(resolveSeasonality({ period: 'week' }));
    expect([p.sums.length, p.windows.length, p.factors.length, p.samples.length]).toEqual([168, 168, 168, 168]);
    expect(newProfile(resolveSeasonality({ period: 'day', slotMs: HOUR / 4 })).factors).toHaveLength(96);
  });

  it('warms up on the median of the first periods, so one odd period is outvoted', () => {
    const config = resolveSeasonality({ period: 'day' });
    const p = newProfile(config);
    const shape = (slot: number): number => (slot >= 9 && slot < 18 ? 400 : 200);
    feedPeriod(p, config, 0, shape);
    // day 1: an outage from 09:00 to 12:00
    feedPeriod(p, config, 1, (slot) => (slot >= 9 && slot < 12 ? 0 : shape(slot)));
    expect(p.factors.every((f) => f === 0)).toBe(true); // still warming up: 2 of 3 periods
    expect(historyScales(p, [0, 1], 2, 9)).toBeUndefined();
    feedPeriod(p, config, 2, shape);
    // level 275 a window: 200 → (200.5 / 275.5), 400 → (400.5 / 275.5)
    expect(p.factors[3]).toBeCloseTo(200.5 / 275.5, 9);
    expect(p.factors[10]).toBeCloseTo(400.5 / 275.5, 9);
    expect(p.samples.every((s) => s.length === 0)).toBe(true);
    // history values from 03:00 and 10:00 taken to 10:00
    expect(historyScales(p, [3, 10], 2, 10)).toEqual([p.factors[10] / p.factors[3], 1]);
    // a history from before slots were recorded (an older snapshot) is not rescaled
    expect(historyScales(p, [10], 2, 10)).toBeUndefined();
  });

  it('once warm, one period moves a factor by at most 2^alpha, however far off it is', () => {
    const config = resolveSeasonality({ period: 'day', minPeriods: 1, alpha: 0.2 });
    const p = newProfile(config);
    feedPeriod(p, config, 0, () => 100);
    expect(p.factors[5]).toBeCloseTo(1, 9);
    feedPeriod(p, config, 1, (slot) => (slot === 5 ? 100_000 : 100));
    expect(p.factors[5]).toBeCloseTo(2 ** 0.2, 9);
  });

  it('a period missing slots is skipped while cold, used from half of them once warm', () => {
    const config = resolveSeasonality({ period: 'day', minPeriods: 1 });
    const p = newProfile(config);
    advancePeriod(p, config, 0);
    for (let slot = 12; slot < 24; slot++) accumulate(p, slot, 100); // the series started at noon
    advancePeriod(p, config, 1);
    expect(p.factors.every((f) => f === 0)).toBe(true);
    feedPeriod(p, config, 1, (slot) => (slot < 12 ? 50 : 100));
    const before = [...p.factors];
    advancePeriod(p, config, 3);
    for (let slot = 0; slot < 12; slot++) accumulate(p, slot, 50);
    advancePeriod(p, config, 4);
    // half a day at its usual level: the deseasonalized level agrees, factors hardly move
    p.factors.forEach((f, k) => expect(f).toBeCloseTo(before[k], 2));
  });
});
