/**
 * A recording: a stream's Kinesis records as they were read (shard, sequence number, arrival time,
 * partition key, data), with the stream's shards, their hash key ranges and lineage. `adstream
 * record` writes gzip JSON Lines (recordingJsonLines.ts) or an Avro object container
 * (recordingAvro.ts), chosen by the file name; `readRecording` tells them apart by their first
 * bytes and also reads captures made without adstream (recordFields.ts).
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import { hashRangeOf } from '../kpl/hashKey.ts';

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
  shards: Map<string, ShardRecords>;
  records: number;
  /** Records the file held more than once (same shard and sequence number), kept once. */
  repeats?: number;
  /** Where a file read with `allowTruncated` was cut short; undefined for a whole file. */
  cutShort?: string;
  /**
   * SHA-256 of what the replay's outputs follow from: every shard's records in sequence order and
   * the lineage (recordingBuilder.ts), so a resume can tell the recording it started with from
   * another of as many records; the same records in another file format digest the same.
   * Undefined for recordings built in code.
   */
  digest?: string;
  /** Frees the shard spools reading the recording made (nameless files, freed at exit anyway). */
  close(): Promise<void>;
}

/** One shard's records, read a part at a time. */
export interface ShardRecords {
  readonly length: number;
  /** The first record's arrival time; undefined for a shard without records. */
  readonly firstArrival: number | undefined;
  /** The longest a record arrived after the newest arrival before it (0 for fewer than two records). */
  readonly longestGap: number;
  /** A reader positioned at record `from` (0-based). */
  read(from: number): Promise<ShardReader>;
  /** Every record at once (for tests and small recordings). */
  all(): Promise<SourceRecord[]>;
}

export interface ShardReader {
  /** The record `take` starts with, or undefined at the shard's end; known without a wait. */
  readonly next: SourceRecord | undefined;
  /** The sequence number of the record before `next`; undefined at the shard's start. */
  readonly previousSequenceNumber: string | undefined;
  take(count: number): Promise<SourceRecord[]>;
  /** Up to `count` records: the first whatever `keep` says, then as long as `keep` holds. */
  takeWhile(count: number, keep: (record: SourceRecord) => boolean): Promise<SourceRecord[]>;
  /** Returns `records`, the last taken, to be taken again; `previous`: the sequence number before them. */
  putBack(records: SourceRecord[], previous: string | undefined): void;
  close(): Promise<void>;
}

/**
 * The longest silence between a shard's records, taken in sequence order: the time from the
 * newest arrival so far to the next record's (a record that arrived earlier makes no silence).
 */
export class LongestGap {
  private newest = -Infinity;
  value = 0;

  observe(arrival: number): void {
    if (Number.isFinite(this.newest) && arrival - this.newest > this.value) this.value = arrival - this.newest;
    if (arrival > this.newest) this.newest = arrival;
  }
}

function longestGapOf(list: readonly SourceRecord[]): number {
  const gap = new LongestGap();
  for (const record of list) gap.observe(record.arrivalTime);
  return gap.value;
}

/** Records already in memory (a bench's or a test's), as a shard of a recording. */
export function shardRecordsOf(list: readonly SourceRecord[]): ShardRecords {
  return {
    length: list.length,
    firstArrival: list[0]?.arrivalTime,
    longestGap: longestGapOf(list),
    all: async () => [...list],
    read: async (from) => {
      let at = from;
      return {
        get next() {
          return list[at];
        },
        get previousSequenceNumber() {
          return list[at - 1]?.sequenceNumber;
        },
        take: async (count) => list.slice(at, (at += count)),
        takeWhile: async (count, keep) => {
          const from = at;
          const until = Math.min(list.length, from + count);
          at = Math.min(from + 1, until);
          while (at < until && keep(list[at])) at += 1;
          return list.slice(from, at);
        },
        // The last taken end where the list does (take may move `at` past it).
        putBack: (records) => {
          at = Math.min(at, list.length) - records.length;
        },
        close: async () => {},
      };
    },
  };
}

/** Every shard's records, in memory: for tests and small recordings. */
export async function recordsByShard(recording: Recording): Promise<Map<string, SourceRecord[]>> {
  const shards = new Map<string, SourceRecord[]>();
  for (const [shardId, records] of recording.shards) shards.set(shardId, await records.all());
  return shards;
}

/** A recording of records already in memory. */
export function inMemoryRecording(header: RecordingHeader, shards: Map<string, readonly SourceRecord[]>): Recording {
  let records = 0;
  for (const list of shards.values()) records += list.length;
  return { header, shards: new Map([...shards].map(([shard, list]) => [shard, shardRecordsOf(list)])), records, close: async () => {} };
}

/** A shard created after the recording started (a reshard's child), announced before its records. */
export interface ShardAdded {
  shard: string;
  hashRange: { start: string; end: string };
  parents: string[];
}

export class RecordingError extends Error {}

/** A recording whose file ends before its last record or block does (a recorder killed mid-write). */
export class RecordingCutShort extends RecordingError {
  constructor(
    path: string,
    readonly where: string,
  ) {
    super(`${path} is cut short ${where}, as a recorder stopped without closing it or a partial copy leaves a file; pass --allow-truncated to replay the records before the cut.`);
  }
}

export interface RecordingWriter {
  readonly records: number;
  shardAdded(added: ShardAdded): Promise<void>;
  write(records: readonly SourceRecord[]): Promise<void>;
  close(): Promise<void>;
}

export type HeaderFields = Omit<RecordingHeader, 'format' | 'version'>;

/**
 * Kinesis's own rule for stream names and shard ids (letters, digits, _ . -; 1 to 128): they
 * become lake file names and state paths, so a recording's must follow it. "../x" wrote the
 * replay's files outside every directory it was given.
 */
const KINESIS_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const isKinesisName = (name: unknown): name is string => typeof name === 'string' && KINESIS_NAME.test(name) && name !== '.' && name !== '..';
export const KINESIS_NAME_RULE = 'letters, digits, _ . - (1 to 128), as Kinesis names streams and shards';

export function checkHeader(header: Partial<RecordingHeader>, path: string): RecordingHeader {
  if (header.format !== RECORDING_FORMAT) throw new RecordingError(`${path} is not an adstream recording (no "${RECORDING_FORMAT}" header).`);
  if (header.version !== RECORDING_VERSION) throw new RecordingError(`${path} is recording format version ${String(header.version)}; this adstream reads version ${RECORDING_VERSION}.`);
  if (!Array.isArray(header.shards)) throw new RecordingError(`${path} has a header without its list of shards.`);
  if (header.parents === null) delete header.parents;
  // A header without a stream may be named by --stream; the replay refuses it unnamed.
  if (header.stream !== undefined && !isKinesisName(header.stream)) throw new RecordingError(`${path} names its stream ${JSON.stringify(header.stream)} in its header, which is not ${KINESIS_NAME_RULE}.`);
  const named = [...header.shards, ...Object.entries(header.parents ?? {}).flatMap(([child, parents]) => [child, ...(Array.isArray(parents) ? parents : [parents])])];
  const bad = named.find((shard) => !isKinesisName(shard));
  if (bad !== undefined || (header.parents !== undefined && Object.values(header.parents).some((p) => !Array.isArray(p)))) {
    throw new RecordingError(`${path} names a shard ${JSON.stringify(bad ?? header.parents)} in its header that is not ${KINESIS_NAME_RULE}.`);
  }
  for (const [shard, range] of Object.entries(header.hashRanges ?? {})) checkHashRange(range, `${path} gives shard ${shard}`);
  return header as RecordingHeader;
}

/** A hash key range as the recording holds it, checked where it is read, so the refusal names the file and not only the number. */
export function checkHashRange(range: unknown, where: string): void {
  const { start, end } = (range ?? {}) as { start?: unknown; end?: unknown };
  try {
    if (typeof start !== 'string' || typeof end !== 'string') throw new RangeError('start and end must be decimal strings');
    hashRangeOf(start, end);
  } catch (error) {
    throw new RecordingError(`${where} the hash key range ${JSON.stringify(range)}, which is not one: ${(error as Error).message}.`);
  }
}

/**
 * A shard that is its own ancestor would wait for itself for ever: the replay found nothing to
 * read and ended at once, saying everything was replayed with nothing written.
 */
export function checkLineage(parents: Readonly<Record<string, readonly string[]>>, path: string): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (shard: string, trail: string[]): void => {
    if (state.get(shard) === 'done') return;
    if (state.get(shard) === 'visiting') throw new RecordingError(`${path} makes shard ${shard} its own ancestor (${[...trail.slice(trail.indexOf(shard)), shard].join(' → ')}): a shard's parents must be older shards.`);
    state.set(shard, 'visiting');
    for (const parent of parents[shard] ?? []) visit(parent, [...trail, shard]);
    state.set(shard, 'done');
  };
  for (const shard of Object.keys(parents)) visit(shard, []);
}

/** The header a writer puts first (a line, or the Avro container's metadata). */
export const headerText = (fields: HeaderFields): string => JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...fields });
