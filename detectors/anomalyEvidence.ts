/**
 * How much evidence a campaign-level anomaly leaves in the data, whatever detects it: the best a
 * test could do if it knew the campaign's rate beforehand (its rate in the hour before the
 * incident), on the measure the anomaly moves:
 * - traffic_drop: bid requests (one per auction, so independent arrivals), fewer than expected;
 * - click_flood: clicks, more than expected;
 * - conversion_drop: conversions, fewer than expected;
 * - bid_win_rate_collapse: impressions (won auctions) among bid requests, binomially fewer.
 * A p-value above the detectors' fire level (1e-6) means that no rule keeping false alerts near
 * one a day could page on it yet, however it were built; a real detector, which must estimate the
 * rate, can only be later than the first window where the p-value falls below.
 *
 * The counts come from the caller: the generator's truth in the quality tests and benchmark, the
 * lake in the demo (stream/demo/missedEvidence.ts), so a missed incident is explained by the data.
 */
import { binomialCdf, poissonCdf, poissonSf } from './countTests.ts';
import { defaultDetectorConfig } from './defaultConfig.ts';
import type { LabelLike } from './matchLabels.ts';

/** Valid events of one type (`bid_request`, `impression`, `click`, `conversion`) of the label's campaign in [from, to), epoch ms. */
export type CampaignCount = (type: string, from: number, to: number) => number;

export interface EvidenceTest {
  /** What was expected and seen, e.g. `clicks 0.27 → 4`. */
  what: string;
  /** P-value of what was seen under the rate of the hour before. */
  p: number;
  /** How long before the incident its rate was learned over: the hour, or less where the data starts later. */
  rateOverMs: number;
}

/** The p-value a test must reach before the default detectors page on it (their count tests fire below it). */
export const FIRE_ALPHA = defaultDetectorConfig.countTest?.fireAlpha ?? 1e-6;

/** How far before the incident its rate is learned: the hour before. Callers fetch counts from this far back. */
export const RATE_LOOKBACK_MS = 3_600_000;

/** The anomaly's measure are event types counted per campaign: where they come from is the caller's business. */
export const EVIDENCE_TYPES = ['bid_request', 'impression', 'click', 'conversion'] as const;

/**
 * The test on the label's first `spanMs` milliseconds, or undefined for anomalies that are not
 * about one campaign (stream faults leave evidence of another kind: rejected and duplicate shares),
 * or when the data starts at the incident (`dataStart`), so there is no rate before it to expect.
 * Data that starts less than an hour before it gives the rate of what there is: counting its
 * missing minutes as empty would expect too little (a demo of one hour, an incident at 00:17).
 */
export function evidenceTest(label: LabelLike, count: CampaignCount, dataStart = -Infinity): ((spanMs: number) => EvidenceTest) | undefined {
  if (!label.key.startsWith('campaign=')) return undefined;
  const rateFrom = Math.max(label.start - RATE_LOOKBACK_MS, dataStart);
  const rateOverMs = label.start - rateFrom;
  if (rateOverMs <= 0) return undefined;
  const perMsBefore = (type: string): number => count(type, rateFrom, label.start) / rateOverMs;
  const during = (type: string, spanMs: number): number => count(type, label.start, label.start + spanMs);
  const poisson = (type: string, name: string, tail: 'low' | 'high') => (spanMs: number): EvidenceTest => {
    const expected = perMsBefore(type) * spanMs;
    const seen = during(type, spanMs);
    return { what: `${name} ${expected.toFixed(2)} → ${seen}`, p: tail === 'low' ? poissonCdf(seen, expected) : poissonSf(seen, expected), rateOverMs };
  };
  switch (label.kind) {
    case 'traffic_drop':
      return poisson('bid_request', 'bid requests', 'low');
    case 'click_flood':
      return poisson('click', 'clicks', 'high');
    case 'conversion_drop':
      return poisson('conversion', 'conversions', 'low');
    case 'bid_win_rate_collapse': {
      const winRate = perMsBefore('impression') / perMsBefore('bid_request');
      return (spanMs) => {
        const bids = during('bid_request', spanMs);
        const wins = during('impression', spanMs);
        return { what: `wins ${(winRate * bids).toFixed(1)} → ${wins} of ${bids} bids`, p: binomialCdf(wins, bids, winRate), rateOverMs };
      };
    }
    default:
      return undefined;
  }
}
