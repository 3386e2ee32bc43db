/**
 * How much evidence a campaign-level anomaly leaves in the data, independently of any detector:
 * the best a test could do if it knew the campaign's true rate beforehand (its rate in the hour
 * before the incident, from the generator's ground truth), on the measure the anomaly moves:
 * - traffic_drop: bid requests (one per auction, so independent arrivals), fewer than expected;
 * - click_flood: clicks, more than expected;
 * - conversion_drop: conversions, fewer than expected;
 * - bid_win_rate_collapse: impressions (won auctions) among bid requests, binomially fewer.
 * A p-value above the detectors' 1e-6 means that no rule keeping false alerts near one a day could
 * page on it yet, however it were built; a real detector, which must estimate the rate, can only
 * be later than the first window where the p-value drops below.
 */
import { binomialCdf, poissonCdf, poissonSf } from '../../../detectors/countTests.ts';
import type { AnomalyLabel } from '../../../stream/generator/index.ts';
import type { QualityRun } from './qualityRun.ts';

const MINUTE_MS = 60_000;
const FIRE_ALPHA = 1e-6;

export interface Evidence {
  /** e.g. `clicks 0.27 → 4`. */
  firstTwo: string;
  /** P-value of the first 2 windows under the known rate. */
  pFirstTwo: number;
  /** First window (1 = the incident's first) where the p-value falls below 1e-6; undefined: never. */
  earliestWindow: number | undefined;
}

/** The test on the incident's first `windows` windows, or undefined for kinds that are not campaign-level. */
function testOf(run: QualityRun, label: AnomalyLabel): ((windows: number) => { what: string; p: number }) | undefined {
  const campaign = label.key.slice('campaign='.length);
  const count = (type: string, from: number, to: number): number => {
    let n = 0;
    for (let t = from; t < to; t += MINUTE_MS) n += run.validPerMinute.get(`${campaign}|${type}|${t}`) ?? 0;
    return n;
  };
  const hourBefore = (type: string): number => count(type, label.start - 60 * MINUTE_MS, label.start) / 60;
  const during = (type: string, windows: number): number => count(type, label.start, label.start + windows * MINUTE_MS);
  const poisson = (type: string, name: string, tail: 'low' | 'high') => (windows: number) => {
    const expected = hourBefore(type) * windows;
    const seen = during(type, windows);
    return { what: `${name} ${expected.toFixed(2)} → ${seen}`, p: tail === 'low' ? poissonCdf(seen, expected) : poissonSf(seen, expected) };
  };
  switch (label.kind) {
    case 'traffic_drop':
      return poisson('bid_request', 'bid requests', 'low');
    case 'click_flood':
      return poisson('click', 'clicks', 'high');
    case 'conversion_drop':
      return poisson('conversion', 'conversions', 'low');
    case 'bid_win_rate_collapse': {
      const winRate = hourBefore('impression') / hourBefore('bid_request');
      return (windows) => {
        const bids = during('bid_request', windows);
        const wins = during('impression', windows);
        return { what: `wins ${(winRate * bids).toFixed(1)} → ${wins} of ${bids} bids`, p: binomialCdf(wins, bids, winRate) };
      };
    }
    default:
      return undefined;
  }
}

export function anomalyEvidence(run: QualityRun, label: AnomalyLabel): Evidence | undefined {
  const test = testOf(run, label);
  if (!test) return undefined;
  const firstTwo = test(2);
  const windows = Math.round((label.end - label.start) / MINUTE_MS);
  let earliestWindow: number | undefined;
  for (let w = 1; w <= windows && earliestWindow === undefined; w++) if (test(w).p < FIRE_ALPHA) earliestWindow = w;
  return { firstTwo: firstTwo.what, pFirstTwo: firstTwo.p, earliestWindow };
}
