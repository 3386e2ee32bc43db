/**
 * Campaigns and publishers, drawn once from the seed. Each campaign has its own size (share of
 * traffic, heavy-tailed: a few large campaigns and many small ones, as in real ad books), CTR,
 * CVR, bid win rate and price level; these are the "configured" rates the tests measure against.
 */
import { Rng, WeightedPicker } from './rng.ts';
import { CONVERSION_TYPES, type Publisher } from './dimensions.ts';

export interface CampaignProfile {
  id: string;
  /** Share of all impressions (the shares of all campaigns sum to 1). */
  share: number;
  /** Clicks per impression, 0.001–0.03. */
  ctr: number;
  /** Conversions per click, 0.01–0.10. */
  cvr: number;
  /** Share of bid requests won, 0.10–0.60. */
  winRate: number;
  /** Typical clearing price per impression in micros (CPM 0.5–5 USD → 500–5000). */
  priceMicros: number;
  /** Cost per click in micros for CPC buys; 0 for CPM buys (the impression carries the cost). */
  cpcMicros: number;
  /** Revenue per purchase conversion in micros (other conversion types earn less). */
  orderValueMicros: number;
  adIds: string[];
  userIds: string[];
  conversionTypes: WeightedPicker<string>;
}

export const CTR_RANGE = [0.001, 0.03] as const;
export const CVR_RANGE = [0.01, 0.1] as const;
export const WIN_RATE_RANGE = [0.1, 0.6] as const;
export const PRICE_MICROS_RANGE = [500, 5000] as const;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function createPublishers(rng: Rng, count: number): Publisher[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `pub-${pad(i + 1, 3)}`;
    const sites = Array.from({ length: rng.int(1, 4) }, (_, s) => `site-${pad(i + 1, 3)}-${s + 1}`);
    return { id, sites, floorShare: rng.range(0.3, 0.7) };
  });
}

export function createCampaigns(rng: Rng, count: number): CampaignProfile[] {
  // Log-normal sizes give the heavy tail: with sigma 1.3 the largest of 40 is ~15× the median.
  const sizes = Array.from({ length: count }, () => rng.logNormal(1, 1.3));
  const total = sizes.reduce((a, b) => a + b, 0);
  return sizes.map((size, i) => {
    const id = `c${pad(i + 1, 3)}`;
    const share = size / total;
    const cpc = rng.chance(0.25);
    // A bigger campaign reaches more people: pool size grows with its share.
    const users = Math.max(200, Math.round(share * 60_000));
    return {
      id,
      share,
      ctr: rng.range(CTR_RANGE[0], CTR_RANGE[1]),
      cvr: rng.range(CVR_RANGE[0], CVR_RANGE[1]),
      winRate: rng.range(WIN_RATE_RANGE[0], WIN_RATE_RANGE[1]),
      priceMicros: Math.round(rng.logRange(PRICE_MICROS_RANGE[0], PRICE_MICROS_RANGE[1])),
      cpcMicros: cpc ? Math.round(rng.logRange(200_000, 2_000_000)) : 0,
      orderValueMicros: Math.round(rng.logRange(5_000_000, 150_000_000)),
      adIds: Array.from({ length: rng.int(2, 6) }, (_, a) => `ad-${id}-${a + 1}`),
      userIds: Array.from({ length: users }, () => `u-${rng.hex(12)}`),
      conversionTypes: new WeightedPicker(CONVERSION_TYPES.map((t) => ({ value: t.value, weight: t.weight * rng.range(0.2, 1.8) }))),
    };
  });
}
