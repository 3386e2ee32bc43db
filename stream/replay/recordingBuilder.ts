/**
 * Gathers what a recording reader finds, in file order, into a Recording: each shard's records go
 * to a spool file of its own as they are read (shardSpool.ts), so reading holds no more than a
 * write buffer per shard, however long the recording. The spools last until the recording is
 * closed (or the process ends).
 *
 * A shard's records normally come in sequence order (a reader writes them as GetRecords returns
 * them). A record read twice in a row (a page fetched again) is kept once. A shard whose records
 * go back in sequence (overlapping captures, pages appended out of order) is sorted and cleared
 * of repeats when the file has been read, in memory, that shard alone. Records of GetRecords
 * responses, which name no shard, may go back only over records read before: anything else is
 * another shard's responses appended to the same file, and is refused.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { SourceRecord } from '../pipeline/batch.ts';
import { KINESIS_NAME_RULE, RECORDING_FORMAT, RECORDING_VERSION, RecordingError, checkHashRange, checkLineage, isKinesisName, type Recording, type RecordingHeader, type ShardAdded } from './recording.ts';
import { compareSequenceNumbers, sourceRecordOf } from './recordFields.ts';
import { ShardSpoolWriter, type SpooledShardRecords } from './shardSpool.ts';
import { lambdaEventSourceOf, streamNameOfEventSource } from './lambdaEventRecord.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

const PROGRESS_EVERY = 10_000;

/** What a capture's file name ends with that says how it is stored, not what it holds. */
const STORAGE_EXTENSIONS = /(\.(jsonl|ndjson|json|avro|txt))?(\.gz)?$/i;

/** A capture's stream, named after its file as far as Kinesis's names allow ("my capture.json" → "my-capture"). */
const streamNameOf = (path: string): string =>
  (basename(path).replace(STORAGE_EXTENSIONS, '') || basename(path)).replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128).replace(/^\.{1,2}$/, 'capture');

interface ShardInProgress {
  spool: ShardSpoolWriter;
  last: SourceRecord | undefined;
  /** A record came with a lower sequence number than one before it. */
  outOfOrder: boolean;
  /** GetRecords responses only: the record with the highest sequence number so far, and the latest arrival. */
  newest?: { record: SourceRecord; arrivalTime: number };
  /** GetRecords responses only: records at or below `newest` when read (each must be a repeat), and the first. */
  wentBack?: { count: number; where: string; record: SourceRecord; after: SourceRecord };
}

/** How far one shard's arrival times may go back: they are approximate, though ordered in practice. */
const ARRIVAL_SLACK_MS = 1_000;

export class RecordingBuilder {
  private header: RecordingHeader | undefined;
  private readonly shards = new Map<string, ShardInProgress>();
  /** Announced reshard children, kept apart so a file without a header keeps them too. */
  private readonly added: ShardAdded[] = [];
  private records = 0;
  private repeats = 0;
  private cut: string | undefined;
  /** The stream of the Lambda or pipe event records read (their eventSourceARN), if any. */
  private lambdaSource: string | undefined;

  constructor(
    private readonly path: string,
    private readonly onProgress?: (records: number) => void,
  ) {}

  /** Frees the spools of a recording refused part-way (a finished recording's `close` does it after). */
  discard(): void {
    for (const shard of this.shards.values()) shard.spool.discard();
    this.shards.clear();
  }

  setHeader(header: RecordingHeader): void {
    this.header = { ...header, shards: [...header.shards] };
    for (const shard of header.shards) this.shardOf(shard);
  }

  shardAdded(added: ShardAdded): void {
    const { shard, parents, hashRange } = (added ?? {}) as Partial<ShardAdded>;
    if (!isKinesisName(shard) || !Array.isArray(parents) || !parents.every(isKinesisName)) {
      throw new RecordingError(`${this.path} announces a shard ${JSON.stringify(added)} that is not { "shard", "hashRange", "parents": [...] } with shard ids of ${KINESIS_NAME_RULE}.`);
    }
    checkHashRange(hashRange, `${this.path} announces shard ${shard} with`);
    this.added.push(added);
    this.shardOf(added.shard);
  }

  /** The file was read up to a cut, `where` it was cut. */
  cutShort(where: string): void {
    this.cut = where;
  }

  /**
   * `where` names the value's place in the file for the refusal; `shardOfResponse` is given for
   * the records of a GetRecords response, which carry no shard id.
   */
  record(value: unknown, where: string, shardOfResponse?: string): void {
    const record = sourceRecordOf(value, shardOfResponse);
    if (Array.isArray(record)) {
      throw new RecordingError(
        `${this.path} ${where} is not a Kinesis record: ${record.join('; ')}. A recording holds records named as adstream writes them (shard, seq, arrival, key, data) or as the Kinesis API does (ShardId, SequenceNumber, ApproximateArrivalTimestamp, PartitionKey, Data), or as Lambda and EventBridge Pipes hand them on (eventID, with the fields under kinesis or beside it).`,
      );
    }
    const source = lambdaEventSourceOf(value);
    if (source !== undefined) this.checkOneStream(source, where);
    const shard = this.shardOf(record.shardId);
    this.records += 1;
    if (this.records % PROGRESS_EVERY === 0) this.onProgress?.(this.records);
    if (shard.last && !shard.outOfOrder) {
      const order = compareSequenceNumbers(record.sequenceNumber, shard.last.sequenceNumber);
      if (order === 0 && record.sequenceNumber === shard.last.sequenceNumber) return this.repeated(record, shard.last);
      // The same number written another way ("007") is sorted out with the rest, as two records.
      if (order <= 0) shard.outOfOrder = true;
    }
    if (shardOfResponse !== undefined) this.checkResponseOrder(shard, record, where);
    shard.spool.append(record);
    shard.last = record;
  }

  async finish(): Promise<Recording> {
    if (!this.header && this.records === 0) throw new RecordingError(`${this.path} is empty: it holds no header and no records.`);
    // A capture made without adstream has no header: the stream is named by its Lambda events'
    // source, or else after the file, and without hash ranges or lineage replay drops nothing and
    // treats every shard as a root.
    const stream = (this.lambdaSource === undefined ? undefined : streamNameOfEventSource(this.lambdaSource)) ?? streamNameOf(this.path);
    const header = this.header ?? { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream, shards: [] };
    for (const { shard, hashRange, parents } of this.added) {
      (header.hashRanges ??= {})[shard] = hashRange;
      if (parents.length > 0) (header.parents ??= {})[shard] = parents;
    }
    checkLineage(header.parents ?? {}, this.path);
    const listed = new Set(header.shards);
    for (const shard of this.shards.keys()) if (!listed.has(shard)) header.shards.push(shard);
    const shards = new Map<string, SpooledShardRecords>();
    try {
      for (const [shardId, shard] of this.shards) {
        const spooled = shard.spool.finish();
        shards.set(shardId, shard.outOfOrder ? await this.sorted(shardId, spooled, shard.wentBack) : spooled);
      }
    } catch (error) {
      shards.forEach((spool) => spool.close());
      throw error;
    }
    this.shards.clear();
    const close = async () => shards.forEach((spool) => spool.close());
    return { header, shards, records: this.records - this.repeats, repeats: this.repeats, cutShort: this.cut, digest: digestOf(header, shards), close };
  }

  private shardOf(shardId: string): ShardInProgress {
    let shard = this.shards.get(shardId);
    if (!shard) {
      shard = { spool: new ShardSpoolWriter(shardId), last: undefined, outOfOrder: false };
      this.shards.set(shardId, shard);
    }
    return shard;
  }

  /** Lambda or pipe event records: the stream of the first, which every other must share (lambdaEventSourceOf). */
  private checkOneStream(source: string, where: string): void {
    this.lambdaSource ??= source;
    if (source === this.lambdaSource) return;
    throw new RecordingError(
      `${this.path} ${where} is a Kinesis event record of ${source}, after records of ${this.lambdaSource}: the shards of a function's event sources are named alike (shardId-000000000000 in each), so replayed together they would be taken for one stream's; replay one stream's records at a time (e.g. jq -c --arg a ${source} '.Records |= map(select(.eventSourceARN == $a))').`,
    );
  }

  /**
   * A record read twice (a paging loop run again, overlapping captures) is one Kinesis record:
   * kept once, as the worker would have read it once.
   */
  private repeated(record: SourceRecord, earlier: SourceRecord): void {
    if (!sameBytes(earlier.data, record.data)) {
      throw new RecordingError(`${this.path} holds two different records with sequence number ${record.sequenceNumber} on ${record.shardId}.`);
    }
    this.repeats += 1;
  }

  /**
   * One shard's GetRecords responses go forward, in sequence number and arrival time, but for
   * pages read again. A record beyond the highest sequence number so far that arrived earlier
   * than one read before, or a record at or below it that was not read before (known once the
   * shard is sorted), is another shard's: several shards' responses appended to one file, which
   * no response names, would be replayed as one shard, late by the thousand.
   */
  private checkResponseOrder(shard: ShardInProgress, record: SourceRecord, where: string): void {
    const newest = shard.newest;
    if (newest === undefined || compareSequenceNumbers(record.sequenceNumber, newest.record.sequenceNumber) > 0) {
      if (newest && record.arrivalTime < newest.arrivalTime - ARRIVAL_SLACK_MS) throw this.severalShards(where, record, newest.record);
      shard.newest = { record, arrivalTime: Math.max(newest?.arrivalTime ?? -Infinity, record.arrivalTime) };
      return;
    }
    shard.wentBack ??= { count: 0, where, record, after: newest.record };
    shard.wentBack.count += 1;
  }

  private severalShards(where: string, record: SourceRecord, before: SourceRecord): RecordingError {
    return new RecordingError(
      `${this.path} ${where} goes back from the record before it (sequence number ${record.sequenceNumber} after ${before.sequenceNumber}, arrival ${new Date(record.arrivalTime).toISOString()} after ${new Date(before.arrivalTime).toISOString()}) and was not read before: its GetRecords responses hold more than one shard's records (or one shard's captures appended later one first), and a response does not say whose; give each record its ShardId (e.g. jq -c --arg s <shard id> '.Records[] + {ShardId: $s}', one shard's responses at a time), and records with a ShardId are put in order.`,
    );
  }

  /**
   * The shard's records in sequence order, each once, spooled again. `wentBack`: records of
   * GetRecords responses went back; each must be a repeat, or the responses were several shards'.
   */
  private async sorted(shardId: string, spooled: SpooledShardRecords, wentBack?: ShardInProgress['wentBack']): Promise<SpooledShardRecords> {
    let list: SourceRecord[];
    try {
      list = await spooled.all();
    } finally {
      spooled.close();
    }
    list.sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
    const spool = new ShardSpoolWriter(shardId);
    try {
      let repeats = 0;
      list.forEach((record, i) => {
        if (i > 0 && list[i - 1].sequenceNumber === record.sequenceNumber) {
          this.repeated(record, list[i - 1]);
          repeats += 1;
        } else spool.append(record);
      });
      if (wentBack && repeats < wentBack.count) throw this.severalShards(wentBack.where, wentBack.record, wentBack.after);
      return spool.finish();
    } catch (error) {
      spool.discard();
      throw error;
    }
  }
}

/**
 * What a replay's outputs follow from, as one digest: each shard's records in sequence order (the
 * spools' digests, by shard id) and the lineage that decides how shards start and what they
 * drop. The stream's name is left out: a resume compares it on its own, to say so.
 */
function digestOf(header: RecordingHeader, shards: ReadonlyMap<string, SpooledShardRecords>): string {
  // The lineage as replay reads it, whatever the file's key order, number spelling or empty lists.
  const hashRanges = header.hashRanges ?? {};
  const parents = header.parents ?? {};
  const lineage = {
    ranges: Object.keys(hashRanges).sort().map((shard) => [shard, BigInt(hashRanges[shard].start).toString(), BigInt(hashRanges[shard].end).toString()]),
    parents: Object.keys(parents).sort().filter((shard) => parents[shard].length > 0).map((shard) => [shard, ...[...parents[shard]].sort()]),
  };
  const hash = createHash('sha256').update(JSON.stringify(lineage));
  for (const shardId of [...shards.keys()].sort()) hash.update(`\n${shardId} ${shards.get(shardId)!.digest}`);
  return hash.digest('hex');
}
