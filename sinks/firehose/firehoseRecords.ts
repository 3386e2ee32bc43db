/**
 * What goes to Firehose from a processed batch: the raw records as they arrived on Kinesis
 * (every record, rejected and duplicate ones included: an archive of the input), or the
 * validated events as JSON Lines (first sightings only, one event per line, with its type).
 * KPL aggregates are archived as their user records.
 */
import type { ProcessedBatch } from '../../stream/pipeline/processBatch.ts';
import type { FirehoseSink } from './firehoseSink.ts';

export type FirehoseMode = 'raw' | 'validated';

export function rawRecords(processed: ProcessedBatch): Uint8Array[] {
  return processed.batch.records.map((record) => record.data);
}

export function validatedRecords(processed: ProcessedBatch): Uint8Array[] {
  return processed.events.map((event) => Buffer.from(`${JSON.stringify({ type: event.type, ...event.body })}\n`, 'utf8'));
}

export function firehoseRecords(processed: ProcessedBatch, mode: FirehoseMode): Uint8Array[] {
  return mode === 'raw' ? rawRecords(processed) : validatedRecords(processed);
}

/** Where a worker archives what it reads, part by part; flushed before each checkpoint. */
export interface InputArchive {
  add(processed: ProcessedBatch): Promise<void>;
  /** Resolves once everything added before it, by any shard, is archived; rejects if any of it was lost. */
  flush(): Promise<void>;
}

export function firehoseArchive(sink: Pick<FirehoseSink, 'put' | 'flush'>, mode: FirehoseMode): InputArchive {
  return {
    async add(processed) {
      for (const record of firehoseRecords(processed, mode)) await sink.put(record);
    },
    flush: () => sink.flush(),
  };
}
