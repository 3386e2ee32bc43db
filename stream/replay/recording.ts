/**
 * A recording: a stream's Kinesis records as they were read (shard, sequence number, arrival time,
 * partition key, data), with the stream's shards, their hash key ranges and lineage. `adstream
 * record` writes gzip JSON Lines (recordingJsonLines.ts) or an Avro object container
 * (recordingAvro.ts), chosen by the file name; `readRecording` tells them apart by their first
 * bytes and also reads captures made without adstream (recordFields.ts).
 */
import { basename } from 'node:path';
import type { SourceRecord } from '../pipeline/batch.ts';
import { compareSequenceNumbers, sourceRecordOf } from './recordFields.ts';

export const RECORDING_FORMAT = 'adstream-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  stream: string;
  shards: string[];
  /**
   * Each shard's hash key range (decimal strings, as ListShards gives them), so that replay drops
   * a KPL sub-record outside its shard's range as the worker does. Optional: a recording without
   * it replays with nothing dropped, which differs only for aggregates put across a reshard.
   */
  hashRanges?: Record<string, { start: string; end: string }>;
  /**
   * Each child shard's parents (ListShards' ParentShardId and AdjacentParentShardId), so that
   * replay follows shard lineage as the worker does. Optional, as hashRanges.
   */
  parents?: Record<string, string[]>;
}

export interface Recording {
  header: RecordingHeader;
  /** Records per shard, in sequence order. */
  shards: Map<string, SourceRecord[]>;
  records: number;
  /** Records the file held more than once (same shard and sequence number), kept once. */
  repeats?: number;
}

/** A shard created after the recording started (a reshard's child), announced before its records. */
export interface ShardAdded {
  shard: string;
  hashRange: { start: string; end: string };
  parents: string[];
}

export class RecordingError extends Error {}

export interface RecordingWriter {
  readonly records: number;
  shardAdded(added: ShardAdded): Promise<void>;
  write(records: readonly SourceRecord[]): Promise<void>;
  close(): Promise<void>;
}

export type HeaderFields = Omit<RecordingHeader, 'format' | 'version'>;

export function checkHeader(header: Partial<RecordingHeader>, path: string): RecordingHeader {
  if (header.format !== RECORDING_FORMAT) throw new RecordingError(`${path} is not an adstream recording (no "${RECORDING_FORMAT}" header).`);
  if (header.version !== RECORDING_VERSION) throw new RecordingError(`${path} is recording format version ${String(header.version)}; this adstream reads version ${RECORDING_VERSION}.`);
  if (!Array.isArray(header.shards)) throw new RecordingError(`${path} has a header without its list of shards.`);
  return header as RecordingHeader;
}

/** The header a writer puts first (a line, or the Avro container's metadata). */
export const headerText = (fields: HeaderFields): string => JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...fields });

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** Gathers what a reader finds, in file order, into a Recording. */
export class RecordingBuilder {
  private header: RecordingHeader | undefined;
  private readonly shards = new Map<string, SourceRecord[]>();
  /** Announced reshard children, kept apart so a file without a header keeps them too. */
  private readonly added: ShardAdded[] = [];
  private records = 0;

  constructor(private readonly path: string) {}

  setHeader(header: RecordingHeader): void {
    this.header = { ...header, shards: [...header.shards] };
    for (const shard of header.shards) this.shards.set(shard, []);
  }

  shardAdded(added: ShardAdded): void {
    this.added.push(added);
    if (!this.shards.has(added.shard)) this.shards.set(added.shard, []);
  }

  /**
   * `where` names the value's place in the file for the refusal; `shardOfResponse` is given for
   * the records of a GetRecords response, which carry no shard id.
   */
  record(value: unknown, where: string, shardOfResponse?: string): void {
    const record = sourceRecordOf(value, shardOfResponse);
    if (Array.isArray(record)) {
      throw new RecordingError(
        `${this.path} ${where} is not a Kinesis record: it lacks ${record.join(', ')}. A recording holds records named as adstream writes them (shard, seq, arrival, key, data) or as the Kinesis API does (ShardId, SequenceNumber, ApproximateArrivalTimestamp, PartitionKey, Data).`,
      );
    }
    let list = this.shards.get(record.shardId);
    if (!list) this.shards.set(record.shardId, (list = []));
    list.push(record);
    this.records += 1;
  }

  finish(): Recording {
    if (!this.header && this.records === 0) throw new RecordingError(`${this.path} is empty: it holds no header and no records.`);
    // A capture made without adstream has no header: the stream is named after the file, and
    // without hash ranges or lineage replay drops nothing and treats every shard as a root.
    const header = this.header ?? { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: basename(this.path), shards: [] };
    for (const { shard, hashRange, parents } of this.added) {
      (header.hashRanges ??= {})[shard] = hashRange;
      if (parents.length > 0) (header.parents ??= {})[shard] = parents;
    }
    const listed = new Set(header.shards);
    for (const shard of this.shards.keys()) if (!listed.has(shard)) header.shards.push(shard);
    let repeats = 0;
    for (const [shard, list] of this.shards) {
      // Sequence order within a shard, whatever order the records were written in.
      list.sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
      // A record read twice (a paging loop run again, overlapping captures) is one Kinesis record:
      // kept once, as the worker would have read it once.
      const unique = list.filter((record, i) => {
        const previous = list[i - 1];
        if (!previous || previous.sequenceNumber !== record.sequenceNumber) return true;
        if (!sameBytes(previous.data, record.data)) {
          throw new RecordingError(`${this.path} holds two different records with sequence number ${record.sequenceNumber} on ${shard}.`);
        }
        return false;
      });
      repeats += list.length - unique.length;
      this.shards.set(shard, unique);
    }
    return { header, shards: this.shards, records: this.records - repeats, repeats };
  }
}
