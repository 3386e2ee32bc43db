/**
 * Time of day → traffic multiplier. Ad traffic follows people: a night trough (about 0.3× the
 * daily mean at 04:00), a climb through the morning, a lunch bump, and an evening peak (about
 * 1.6× at 20:00–21:00). Hours are UTC: the simulated audience lives in one time zone.
 *
 * The knots are normalised so that the curve's daily mean is exactly 1, which makes
 * `impressionsPerMinute` the average over a whole day.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Relative traffic at each whole hour 00:00 … 23:00; linear in between.
const RAW_KNOTS = [
  0.62, 0.48, 0.38, 0.32, 0.3, 0.32, 0.42, 0.6, 0.8, 0.92, 1.0, 1.06,
  1.12, 1.08, 1.02, 1.0, 1.04, 1.12, 1.26, 1.42, 1.56, 1.58, 1.34, 0.95,
];

// The mean of a closed piecewise-linear curve over equally spaced knots is the mean of the knots.
const rawMean = RAW_KNOTS.reduce((a, b) => a + b, 0) / RAW_KNOTS.length;

/** Multipliers at each whole UTC hour, normalised to a daily mean of 1. */
export const DIURNAL_KNOTS: readonly number[] = RAW_KNOTS.map((k) => k / rawMean);

export function diurnalMultiplier(epochMs: number): number {
  const dayMs = ((epochMs % DAY_MS) + DAY_MS) % DAY_MS;
  const hour = Math.floor(dayMs / HOUR_MS);
  const frac = (dayMs - hour * HOUR_MS) / HOUR_MS;
  const a = DIURNAL_KNOTS[hour];
  const b = DIURNAL_KNOTS[(hour + 1) % 24];
  return a + (b - a) * frac;
}
