/** What the traffic generator produces: wire records plus their ground truth. */
import type { EventType } from '../events/schemas.ts';

export type AnomalyKind =
  | 'traffic_drop'
  | 'click_flood'
  | 'conversion_drop'
  | 'ingestion_delay'
  | 'duplicate_storm'
  | 'malformed_burst'
  | 'bid_win_rate_collapse';

/** Ground truth of one injected anomaly (written to the labels file). */
export interface AnomalyLabel {
  kind: AnomalyKind;
  /** What it affects, e.g. `campaign=c003` or `*` for the whole stream. */
  key: string;
  /** Event-time interval, epoch ms (end exclusive). */
  start: number;
  end: number;
}

/** The generator's own account of a record, independent of the pipeline's decoders. */
export type RecordTruth =
  | { kind: 'valid'; eventType: EventType; eventId: string; eventTime: number; campaignId: string }
  | { kind: 'duplicate'; eventType: EventType; eventId: string; eventTime: number; campaignId: string }
  | { kind: 'malformed'; reason: string };

export interface GeneratedRecord {
  /** The bytes put on Kinesis: JSON (impression), CSV (click, conversion), Avro (bid_request). */
  data: Buffer;
  /** Campaign id for events; malformed records get a stable synthetic key. */
  partitionKey: string;
  truth: RecordTruth;
}
