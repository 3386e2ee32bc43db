/**
 * The recording format: gzip JSON Lines (read gunzipped too). The first line is a header naming
 * the format, its version, the stream, its shards, their hash key ranges and lineage; every other
 * line is one Kinesis record as it was read: `{ "shard", "seq", "arrival", "key", "data" }`
 * (data base64), or a shard that appeared while recording (a reshard's child):
 * `{ "shardAdded": { "shard", "hashRange", "parents" } }`, before any of its records. Records of
 * one shard appear in sequence order; shards interleave as they were read.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import type { SourceRecord } from '../pipeline/batch.ts';

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

interface RecordLine {
  shard: string;
  seq: string;
  arrival: number;
  key: string;
  data: string;
}

export interface Recording {
  header: RecordingHeader;
  /** Records per shard, in sequence order. */
  shards: Map<string, SourceRecord[]>;
  records: number;
}

/** A shard created after the recording started (a reshard's child), announced before its records. */
export interface ShardAdded {
  shard: string;
  hashRange: { start: string; end: string };
  parents: string[];
}

export class RecordingError extends Error {}

export const recordLine = (record: SourceRecord): string =>
  JSON.stringify({ shard: record.shardId, seq: record.sequenceNumber, arrival: record.arrivalTime, key: record.partitionKey, data: Buffer.from(record.data).toString('base64') } satisfies RecordLine);

export class RecordingWriter {
  private readonly gzip = createGzip();
  private readonly done: Promise<unknown>;
  records = 0;

  private constructor(path: string) {
    const file = createWriteStream(path);
    this.gzip.pipe(file);
    this.done = once(file, 'close');
  }

  static async open(path: string, header: Omit<RecordingHeader, 'format' | 'version'>): Promise<RecordingWriter> {
    await mkdir(dirname(path), { recursive: true });
    const writer = new RecordingWriter(path);
    await writer.line(JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header }));
    return writer;
  }

  private async line(text: string): Promise<void> {
    if (!this.gzip.write(`${text}\n`)) await once(this.gzip, 'drain');
  }

  async shardAdded(added: ShardAdded): Promise<void> {
    await this.line(JSON.stringify({ shardAdded: added }));
  }

  async write(records: readonly SourceRecord[]): Promise<void> {
    for (const record of records) await this.line(recordLine(record));
    this.records += records.length;
  }

  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
}

function parseHeader(text: string, path: string): RecordingHeader {
  let header: Partial<RecordingHeader>;
  try {
    header = JSON.parse(text) as Partial<RecordingHeader>;
  } catch {
    throw new RecordingError(`${path} is not an adstream recording: its first line is not JSON.`);
  }
  if (header.format !== RECORDING_FORMAT) throw new RecordingError(`${path} is not an adstream recording (no "${RECORDING_FORMAT}" header line).`);
  if (header.version !== RECORDING_VERSION) throw new RecordingError(`${path} is recording format version ${String(header.version)}; this adstream reads version ${RECORDING_VERSION}.`);
  return header as RecordingHeader;
}

/** gzip's magic bytes: a recording someone gunzipped to look at reads as well as the original. */
async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await file.close();
  }
}

export async function readRecording(path: string): Promise<Recording> {
  let gzipped: boolean;
  try {
    gzipped = await isGzip(path);
  } catch (error) {
    throw new RecordingError(`${path} could not be read: ${(error as Error).message}`);
  }
  const file = createReadStream(path);
  const input = gzipped ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header: RecordingHeader | undefined;
  const shards = new Map<string, SourceRecord[]>();
  let records = 0;
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (text === '') continue;
      if (!header) {
        header = parseHeader(text, path);
        for (const shard of header.shards) shards.set(shard, []);
        continue;
      }
      const parsed = JSON.parse(text) as RecordLine | { shardAdded: ShardAdded };
      if ('shardAdded' in parsed) {
        const { shard, hashRange, parents } = parsed.shardAdded;
        header.shards.push(shard);
        shards.set(shard, shards.get(shard) ?? []);
        (header.hashRanges ??= {})[shard] = hashRange;
        if (parents.length > 0) (header.parents ??= {})[shard] = parents;
        continue;
      }
      const line = parsed;
      if (typeof line.shard !== 'string' || typeof line.seq !== 'string' || typeof line.arrival !== 'number' || typeof line.key !== 'string' || typeof line.data !== 'string') {
        throw new RecordingError(`${path} line ${lineNumber} is not a record line (shard, seq, arrival, key, data).`);
      }
      let list = shards.get(line.shard);
      if (!list) shards.set(line.shard, (list = []));
      list.push({ shardId: line.shard, sequenceNumber: line.seq, partitionKey: line.key, arrivalTime: line.arrival, data: Buffer.from(line.data, 'base64') });
      records += 1;
    }
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    throw new RecordingError(`${path} could not be read as a JSON Lines recording (line ${lineNumber}): ${(error as Error).message}`);
  }
  if (!header) throw new RecordingError(`${path} is empty: a recording starts with a header line.`);
  // Sequence order within a shard, whatever order the lines were written in.
  for (const list of shards.values()) list.sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
  return { header, shards, records };
}
