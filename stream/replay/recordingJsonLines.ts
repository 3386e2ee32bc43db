/**
 * Recordings as gzip JSON Lines, the format `adstream record` writes by default. The first line
 * is the header; every other line is one Kinesis record as it was read,
 * `{ "shard", "seq", "arrival", "key", "data" }` (data base64), or a shard that appeared while
 * recording (a reshard's child), `{ "shardAdded": { "shard", "hashRange", "parents" } }`, before
 * any of its records. Records of one shard appear in sequence order; shards interleave as read.
 *
 * The reader also takes what other tools write: lines without a header, records named as the
 * Kinesis API names them, a line holding a whole GetRecords response (`{"Records": [...]}`), or
 * the file as one JSON document (`aws kinesis get-records > shard.json`).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import type { SourceRecord } from '../pipeline/batch.ts';
import { checkHeader, RECORDING_FORMAT, RECORDING_VERSION, RecordingBuilder, RecordingError, type HeaderFields, type RecordingWriter, type ShardAdded } from './recording.ts';

export const recordLine = (record: SourceRecord): string =>
  JSON.stringify({ shard: record.shardId, seq: record.sequenceNumber, arrival: record.arrivalTime, key: record.partitionKey, data: Buffer.from(record.data).toString('base64') });

export class JsonLinesRecordingWriter implements RecordingWriter {
  private readonly gzip = createGzip();
  private readonly done: Promise<unknown>;
  records = 0;

  constructor(path: string, header: HeaderFields) {
    const file = createWriteStream(path);
    this.gzip.pipe(file);
    this.done = once(file, 'close');
    this.gzip.write(`${JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header })}\n`);
  }

  private async line(text: string): Promise<void> {
    if (!this.gzip.write(`${text}\n`)) await once(this.gzip, 'drain');
  }

  async shardAdded(added: ShardAdded): Promise<void> {
    await this.line(JSON.stringify({ shardAdded: added }));
  }

  async write(records: readonly SourceRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One write per batch: zlib deflates each write as its own job, which line by line held a
    // recording to about 17k records/s.
    await this.line(records.map(recordLine).join('\n'));
    this.records += records.length;
  }

  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
}

/** One parsed JSON value of the file: the header, a reshard's child, a GetRecords response, an array of records, or one record. */
function take(builder: RecordingBuilder, value: unknown, where: string, first: boolean, path: string): void {
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (first && 'format' in fields) return builder.setHeader(checkHeader(fields, path));
  if ('shardAdded' in fields) return builder.shardAdded(fields.shardAdded as ShardAdded);
  const list = Array.isArray(value) ? value : Array.isArray(fields.Records) ? fields.Records : undefined;
  if (!list) return builder.record(value, where);
  list.forEach((record, index) => builder.record(record, `${where}, record ${index + 1}`));
}

/** The whole file as one JSON document, as `aws kinesis get-records` prints a response. */
async function readDocument(path: string, gzipped: boolean, builder: RecordingBuilder): Promise<void> {
  const bytes = await readFile(path);
  let document: unknown;
  try {
    document = JSON.parse((gzipped ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch {
    throw new RecordingError(`${path} is not a recording: it is neither JSON Lines nor one JSON document.`);
  }
  take(builder, document, 'document', false, path);
}

export async function readJsonLines(path: string, gzipped: boolean, builder: RecordingBuilder): Promise<void> {
  const file = createReadStream(path);
  const lines = createInterface({ input: gzipped ? file.pipe(createGunzip()) : file, crlfDelay: Infinity });
  let lineNumber = 0;
  let values = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        if (values > 0) throw new RecordingError(`${path} line ${lineNumber} is not JSON: ${(error as Error).message}`);
        lines.close();
        file.destroy();
        return await readDocument(path, gzipped, builder);
      }
      take(builder, value, `line ${lineNumber}`, values === 0, path);
      values += 1;
    }
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    throw new RecordingError(`${path} could not be read as JSON Lines (line ${lineNumber}): ${(error as Error).message}`);
  }
}
