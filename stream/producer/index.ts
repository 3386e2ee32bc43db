/** The producer's public surface. */
export {
  Producer,
  RecordTooLargeError,
  InvalidRecordKeyError,
  PartialFailureError,
  MAX_RECORDS_PER_REQUEST,
  MAX_BYTES_PER_REQUEST,
  MAX_RECORD_BYTES,
  MAX_PARTITION_KEY_LENGTH,
  type ProducerRecord,
  type ProducerOptions,
  type ProduceStats,
} from './producer.ts';
export { producerRecordOf } from './generatedRecord.ts';
export { produceProgress, type ProduceProgress, type ProduceProgressOptions } from './progressBar.ts';
export { campaignPartitionKey, UNPARSEABLE_PARTITION_KEY } from './partitionKey.ts';
export { AdstreamError, NonRetriableError, RetriesExceededError } from '../retry/errors.ts';
