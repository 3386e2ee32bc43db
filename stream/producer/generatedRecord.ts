/**
 * A generated record as the producer puts it: its bytes, its key, and its event time from the
 * generator's truth (a malformed record has none), with which the producer keeps a request's
 * event time within the consumers' allowance (producer.ts, `maxOutOfOrdernessMs`).
 */
import type { GeneratedRecord } from '../generator/types.ts';
import type { ProducerRecord } from './producer.ts';

export function producerRecordOf({ data, partitionKey, truth }: GeneratedRecord): ProducerRecord {
  return { data, partitionKey, eventTime: truth.kind === 'malformed' ? undefined : truth.eventTime };
}
