/**
 * The default partition key is the campaign id, so a campaign's events share a shard and keep
 * their order. A record that cannot be parsed has no campaign: it gets one fixed key, because a
 * bad record's placement does not matter and a fixed key keeps it deterministic.
 */
import { decodeRecord } from '../events/wire.ts';

export const UNPARSEABLE_PARTITION_KEY = 'malformed';

export function campaignPartitionKey(data: Uint8Array): string {
  // The producer does not judge timeliness: any event time is acceptable for choosing a shard.
  const decoded = decodeRecord(data, { arrivalTime: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY });
  return decoded.ok ? decoded.event.body.campaign_id : UNPARSEABLE_PARTITION_KEY;
}
