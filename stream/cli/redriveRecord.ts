/**
 * What `adstream dlq replay` puts back for a rejected row of the lake: its original bytes and keys.
 */
import { hashKeyOf } from '../kpl/hashKey.ts';
import { MAX_PARTITION_KEY_LENGTH, type ProducerRecord } from '../producer/index.ts';

/** A partition key Kinesis accepts, standing in for one it refuses; the explicit hash key routes the record. */
export const STAND_IN_PARTITION_KEY = 'adstream-dlq-replay';

/**
 * What a rejected row is put back as: its bytes and keys. A KPL sub-record routed by its explicit
 * hash key goes back to the same shard. A sub-record's partition key comes from its aggregate's
 * table, which Kinesis never checked: empty or over 256 characters, PutRecords refuses it, and
 * the re-drive stopped there (exit 1, "partition key must be 1 to 256 characters, got 0") after
 * putting the rows before it, noting none of them. Such a row goes back under a stand-in key, by
 * the hash key its own key gives, so it lands on the shard that key chose.
 */
export function redriveRecord(row: Record<string, unknown>): ProducerRecord {
  const data = Buffer.from(row.raw_base64 as string, 'base64');
  const partitionKey = String(row.partition_key ?? '');
  const explicitHashKey = (row.explicit_hash_key as string | null) ?? undefined;
  if (partitionKey.length >= 1 && partitionKey.length <= MAX_PARTITION_KEY_LENGTH) return { data, partitionKey, explicitHashKey };
  return { data, partitionKey: STAND_IN_PARTITION_KEY, explicitHashKey: explicitHashKey ?? hashKeyOf(partitionKey).toString() };
}
