/**
 * One valid event of each type, with overrides: the bodies the codec tests encode, decode and
 * corrupt. `T0` is the arrival time the tests decode at; events happened a second before it.
 */
import type { BidRequest, Click, Conversion, Impression } from '../../../stream/events/types.ts';

export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0); // 1714564800000

export const common = {
  event_id: 'e-1',
  event_time: T0 - 1000,
  campaign_id: 'c-7',
  ad_id: 'ad-3',
  publisher_id: 'pub-2',
  site_id: 'site-9',
  placement: 'banner_top',
  country: 'US',
  device_type: 'mobile',
  user_id: 'u-42',
};
export const impression = (o: Partial<Impression> = {}): Impression => ({ ...common, auction_id: 'au-1', cost_micros: 1500, ...o });
export const click = (o: Partial<Click> = {}): Click => ({ ...common, impression_id: 'imp-1', cost_micros: 250000, ...o });
export const conversion = (o: Partial<Conversion> = {}): Conversion => ({
  ...common,
  click_id: 'clk-1',
  impression_id: 'imp-1',
  conversion_type: 'purchase',
  revenue_micros: 19990000,
  ...o,
});
export const bidRequest = (o: Partial<BidRequest> = {}): BidRequest => ({
  ...common,
  auction_id: 'au-1',
  bid_id: 'bid-1',
  floor_micros: 500,
  bid_price_micros: 1200,
  clearing_price_micros: 800,
  won: true,
  bidder_latency_ms: 37,
  ...o,
});
