/**
 * The default partition key is the campaign id, so a campaign's events share a shard and keep
 * their order. A record that cannot be parsed has no campaign: it gets one fixed key, because a
 * bad record's placement does not matter and a fixed key keeps it deterministic.
 */
import { decodeRecord } from '../events/wire.ts';

export const UNPARSEABLE_PARTITION_KEY = 'malformed';

export function campaignPartitionKey(data: Uint8Array): string {
  return placementOf(data).partitionKey;
}

/** A record's partition key, and its event time when it parses (for interleaving files by time). */
export function placementOf(data: Uint8Array): { partitionKey: string; eventTime?: number } {
  // The producer does not judge timeliness: any event time is acceptable for choosing a shard.
  const decoded = decodeRecord(data, { arrivalTime: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY });
  return decoded.ok ? { partitionKey: decoded.event.body.campaign_id, eventTime: decoded.event.body.event_time } : { partitionKey: UNPARSEABLE_PARTITION_KEY };
}
