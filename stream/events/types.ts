/** TypeScript shapes of the events; they mirror the Avro schemas in schemas.ts. */
import type { RejectionReason } from './rejectionReasons.ts';
import type { EventType } from './schemas.ts';

interface CommonFields {
  event_id: string;
  event_time: number;
  campaign_id: string;
  ad_id: string;
  publisher_id: string;
  site_id: string;
  placement: string;
  country: string;
  device_type: string;
  user_id: string;
}

export interface Impression extends CommonFields {
  auction_id: string | null;
  cost_micros: number;
}

export interface Click extends CommonFields {
  impression_id: string;
  cost_micros: number;
}

export interface Conversion extends CommonFields {
  click_id: string;
  impression_id: string;
  conversion_type: string;
  revenue_micros: number;
}

export interface BidRequest extends CommonFields {
  auction_id: string;
  bid_id: string;
  floor_micros: number;
  bid_price_micros: number;
  clearing_price_micros: number;
  won: boolean;
  bidder_latency_ms: number;
}

export interface EventBodies {
  impression: Impression;
  click: Click;
  conversion: Conversion;
  bid_request: BidRequest;
}

/** A decoded, validated event tagged with its type. */
export type AdEvent = { [T in EventType]: { type: T; body: EventBodies[T] } }[EventType];

/** A record that failed decoding or validation: it goes to the DLQ with its raw bytes. */
export interface Rejection {
  /** Machine-readable reason code, e.g. `json_syntax`, `missing_field:campaign_id`. */
  reason: RejectionReason;
  /** Human-readable detail for the operator. */
  detail: string;
}

export type DecodeResult = { ok: true; event: AdEvent } | { ok: false; rejection: Rejection };
