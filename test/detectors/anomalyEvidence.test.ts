/**
 * The evidence an injected campaign anomaly leaves, on hand-computed cases: the Poisson and
 * binomial tails at the campaign's rate of the hour before.
 */
import { describe, expect, it } from 'vitest';
import { evidenceTest } from '../../detectors/anomalyEvidence.ts';

const MINUTE = 60_000;
const start = 120 * MINUTE;

/** Counts of the hour before and of the incident, spread evenly over their minutes. */
function counts(before: Record<string, number>, during: Record<string, number>, spanMinutes: number) {
  return (type: string, from: number, to: number): number => {
    let n = 0;
    for (let t = from; t < to; t += MINUTE) {
      if (t >= start - 60 * MINUTE && t < start) n += (before[type] ?? 0) / 60;
      else if (t >= start && t < start + spanMinutes * MINUTE) n += (during[type] ?? 0) / spanMinutes;
    }
    return Math.round(n);
  };
}

describe('evidenceTest', () => {
  it('prices a conversion drop as a Poisson lower tail: 6 an hour before, 0 in 17 minutes is p = e^-1.7', () => {
    const label = { kind: 'conversion_drop', key: 'campaign=c012', start, end: start + 17 * MINUTE };
    const test = evidenceTest(label, counts({ conversion: 6 }, { conversion: 0 }, 17))!;
    const { what, p } = test(17 * MINUTE);
    expect(what).toBe('conversions 1.70 → 0');
    expect(p).toBeCloseTo(Math.exp(-1.7), 12);
  });

  it('prices a win-rate collapse as a binomial lower tail: half the bids won before, 0 of 10 after is p = 0.5^10', () => {
    const label = { kind: 'bid_win_rate_collapse', key: 'campaign=c008', start, end: start + 10 * MINUTE };
    const test = evidenceTest(label, counts({ bid_request: 600, impression: 300 }, { bid_request: 10, impression: 0 }, 10))!;
    const { what, p } = test(10 * MINUTE);
    expect(what).toBe('wins 5.0 → 0 of 10 bids');
    expect(p).toBeCloseTo(0.5 ** 10, 15);
  });

  it('prices a click flood as a Poisson upper tail, and has nothing to say of a stream-level fault', () => {
    const label = { kind: 'click_flood', key: 'campaign=c004', start, end: start + 2 * MINUTE };
    // 30 clicks an hour: 1 expected in 2 minutes; 3 or more has p = 1 − e^-1 (1 + 1 + 1/2).
    const { p } = evidenceTest(label, counts({ click: 30 }, { click: 3 }, 2))!(2 * MINUTE);
    expect(p).toBeCloseTo(1 - Math.exp(-1) * 2.5, 12);
    expect(evidenceTest({ kind: 'duplicate_storm', key: '*', start, end: start + MINUTE }, () => 0)).toBeUndefined();
  });

  it('learns the rate over what there is when the data starts less than an hour before, and has nothing to say when it starts with the incident', () => {
    const label = { kind: 'conversion_drop', key: 'campaign=c012', start, end: start + 17 * MINUTE };
    // 6 conversions an hour spread evenly: the 20 minutes the data has before the incident hold 2,
    // a rate of 0.1 a minute, 1.7 expected in 17 minutes, as over a whole hour. Counting the 40
    // minutes before the data as empty would expect a third of that.
    const test = evidenceTest(label, counts({ conversion: 6 }, { conversion: 0 }, 17), start - 20 * MINUTE)!;
    expect(test(17 * MINUTE)).toEqual({ what: 'conversions 1.70 → 0', p: expect.closeTo(Math.exp(-1.7), 12), rateOverMs: 20 * MINUTE });
    expect(evidenceTest(label, counts({ conversion: 6 }, { conversion: 0 }, 17), start)).toBeUndefined();
  });
});
