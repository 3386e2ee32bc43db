/**
 * Where ads run and who sees them: weighted lists shaped like real programmatic traffic
 * (mostly US and large EU markets, mostly mobile, banners more common than video).
 */
import type { Weighted } from './rng.ts';

export const COUNTRIES: readonly Weighted<string>[] = [
  { value: 'US', weight: 38 },
  { value: 'GB', weight: 9 },
  { value: 'DE', weight: 8 },
  { value: 'FR', weight: 7 },
  { value: 'BR', weight: 6 },
  { value: 'IN', weight: 6 },
  { value: 'JP', weight: 5 },
  { value: 'CA', weight: 5 },
  { value: 'ES', weight: 4 },
  { value: 'IT', weight: 4 },
  { value: 'AU', weight: 3 },
  { value: 'MX', weight: 3 },
  { value: 'NL', weight: 2 },
];

export const DEVICE_TYPES: readonly Weighted<string>[] = [
  { value: 'mobile', weight: 58 },
  { value: 'desktop', weight: 30 },
  { value: 'tablet', weight: 8 },
  { value: 'ctv', weight: 4 },
];

export const PLACEMENTS: readonly Weighted<string>[] = [
  { value: 'banner_top', weight: 30 },
  { value: 'banner_side', weight: 18 },
  { value: 'in_feed', weight: 22 },
  { value: 'interstitial', weight: 10 },
  { value: 'native', weight: 12 },
  { value: 'preroll', weight: 8 },
];

export const CONVERSION_TYPES: readonly Weighted<string>[] = [
  { value: 'purchase', weight: 45 },
  { value: 'signup', weight: 35 },
  { value: 'install', weight: 20 },
];

export interface Publisher {
  id: string;
  sites: string[];
  /** Publisher's floor as a share of a typical clearing price (0.3–0.7). */
  floorShare: number;
}
