/**
 * Recordings as gzip JSON Lines, the format `adstream record` writes by default. The first line
 * is the header; every other line is one Kinesis record as it was read,
 * `{ "shard", "seq", "arrival", "key", "data" }` (data base64), or a shard that appeared while
 * recording (a reshard's child), `{ "shardAdded": { "shard", "hashRange", "parents" } }`, before
 * any of its records. Records of one shard appear in sequence order; shards interleave as read.
 *
 * The reader also takes what other tools write: lines without a header, records named as the
 * Kinesis API names them, a line holding a whole GetRecords response (`{"Records": [...]}`),
 * pretty-printed responses one after another (`aws kinesis get-records >> shard.json`), or
 * responses with no line break between them (jsonValues.ts).
 */
import { constants as buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { closeReadStream } from './closeReadStream.ts';
import { pipeline } from 'node:stream';
import { constants, createGunzip, createGzip } from 'node:zlib';
import type { SourceRecord } from '../pipeline/batch.ts';
import { checkHeader, headerText, RecordingCutShort, RecordingError, type HeaderFields, type RecordingWriter, type ShardAdded } from './recording.ts';
import type { RecordingBuilder } from './recordingBuilder.ts';
import { DEFAULT_SHARD_ID, namesShard } from './recordFields.ts';
import { RecordingOutput } from './recordingOutput.ts';
import { awsCliOutputOf, awsCliOutputRemedy } from './awsCliOutput.ts';
import { jsonValuesOf, type JsonValues } from './jsonValues.ts';

/**
 * zlib works a chunk at a time on the thread pool, and at its 16 KiB default the round trips
 * dominate: gunzipping a 1M-record recording took 4 s in 16 KiB chunks, 0.5 s in 256 KiB ones.
 */
const CHUNK_BYTES = 256 * 1024;

const recordLine = (record: SourceRecord): string =>
  JSON.stringify({ shard: record.shardId, seq: record.sequenceNumber, arrival: record.arrivalTime, key: record.partitionKey, data: Buffer.from(record.data).toString('base64') });

export class JsonLinesRecordingWriter implements RecordingWriter {
  private readonly output: RecordingOutput;
  records = 0;

  private constructor(path: string) {
    const gzip = createGzip({ chunkSize: CHUNK_BYTES });
    // A sync flush ends the deflate data at a byte boundary without resetting its dictionary, so
    // the file decodes up to it: a few bytes a flush, once per GetRecords result.
    this.output = new RecordingOutput(gzip, path, () => new Promise((done) => gzip.flush(constants.Z_SYNC_FLUSH, () => done())));
  }

  static async open(path: string, header: HeaderFields): Promise<JsonLinesRecordingWriter> {
    const writer = new JsonLinesRecordingWriter(path);
    await writer.output.write(`${headerText(header)}\n`);
    await writer.output.flush();
    return writer;
  }

  async shardAdded(added: ShardAdded): Promise<void> {
    await this.output.write(`${JSON.stringify({ shardAdded: added })}\n`);
    await this.output.flush();
  }

  async write(records: readonly SourceRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One write per batch: zlib deflates each write as its own job, which line by line held a
    // recording to about 17k records/s.
    await this.output.write(`${records.map(recordLine).join('\n')}\n`);
    await this.output.flush();
    this.records += records.length;
  }

  close(): Promise<void> {
    return this.output.close();
  }
}

/**
 * One parsed JSON value of the file: the header, a reshard's child, a GetRecords response (whose
 * records name no shard), an array of records (a response's alone, or named by shard), or one record.
 */
function take(builder: RecordingBuilder, value: unknown, where: string, first: boolean, path: string): void {
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (first && 'format' in fields) return builder.setHeader(checkHeader(fields, path));
  if ('shardAdded' in fields) return builder.shardAdded(fields.shardAdded as ShardAdded);
  // A response's records name no shard; a Lambda event's (`{"Records": [...]}` too) name theirs, so are not taken as one shard's.
  if (Array.isArray(fields.Records)) return fields.Records.forEach((record, i) => builder.record(record, `${where}, record ${i + 1}`, namesShard(record) ? undefined : DEFAULT_SHARD_ID));
  // A response's `Records` alone (`aws kinesis get-records --query Records`): its records name no shard either.
  if (Array.isArray(value)) return value.forEach((record, i) => builder.record(record, `${where}, record ${i + 1}`, namesShard(record) ? undefined : DEFAULT_SHARD_ID));
  builder.record(value, where);
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The text's lines (LF or CRLF), cut from the bytes: readline's per-chunk regex and string
 * decoding cost a third of reading a recording. `end.unterminated` is set as the last line comes
 * if no line break ends it (where a cut would leave half a line).
 *
 * A line not ended yet is kept as the chunks it came in, joined once its end comes: joined anew
 * with every chunk, a line as long as a whole capture (what one JSON.stringify of every record
 * writes) took time growing with its square, 13.6 s for 87 MB against 1.4 s a record a line.
 */
async function* linesOf(input: AsyncIterable<Buffer>, dropUnterminated: boolean, end: { unterminated: boolean }): AsyncGenerator<string> {
  let rest: Buffer[] = [];
  for await (const chunk of input) {
    if (chunk.indexOf(NEWLINE) === -1) {
      rest.push(chunk);
      continue;
    }
    const bytes = rest.length > 0 ? Buffer.concat([...rest, chunk]) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      yield bytes.toString('utf8', start, end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
      start = end + 1;
    }
    rest = start < bytes.length ? [bytes.subarray(start)] : [];
  }
  const last = rest.length === 1 ? rest[0] : Buffer.concat(rest);
  if (last.length > 0 && !dropUnterminated) {
    end.unterminated = true;
    yield last.toString('utf8', 0, last[last.length - 1] === CARRIAGE_RETURN ? last.length - 1 : last.length);
  }
}

/**
 * A line, or a document's lines joined, past V8's longest string: one JSON.stringify of a whole
 * large capture. It was refused as "could not be read as JSON Lines (line 0): Cannot create a
 * string longer than 0x1fffffe8 characters", which said neither what is too long nor what to do.
 */
const tooLongForAString = (error: unknown): boolean =>
  (error as { code?: string }).code === 'ERR_STRING_TOO_LONG' || (error instanceof RangeError && error.message === 'Invalid string length');

/** zlib's word for a gzip file that ends before its deflate data and trailer do. */
const cutShort = (error: unknown): boolean => (error as { code?: string }).code === 'Z_BUF_ERROR';

/**
 * Reads JSON Lines, one value a line, or pretty-printed documents one after another, as a loop
 * of `aws kinesis get-records >> shard.json` leaves them (each opens with a line `{` and closes
 * with a line `}`, the CLI's top level being unindented), into the builder.
 *
 * A gzip file cut short (a recorder killed, a copy interrupted) is refused with
 * RecordingCutShort. Read again with `whatIsThere`, it gives every whole line up to the cut: zlib
 * decodes to the end of what is there instead of failing (its output of a failed chunk would be
 * lost), and the line the cut went through is dropped.
 *
 * A plain text file is cut short when it ends inside a value: a last line with no line break that
 * is not JSON, or a document without its closing line, after something whole was read. That is
 * refused with RecordingCutShort too, unless `allowTruncated`: then the part after the last whole
 * value is dropped, in one reading.
 */
export async function readJsonLines(path: string, gzipped: boolean, builder: RecordingBuilder, { whatIsThere = false, allowTruncated = false } = {}): Promise<void> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const gunzip = () => createGunzip({ chunkSize: CHUNK_BYTES, finishFlush: whatIsThere ? constants.Z_SYNC_FLUSH : constants.Z_FINISH });
  // pipeline, not pipe: a read error reaches the loop, and a refusal mid-file closes the file.
  const input = gzipped ? pipeline(file, gunzip(), () => {}) : file;
  const end = { unterminated: false };
  const lines = linesOf(input, whatIsThere, end);
  let lineNumber = 0;
  let values = 0;
  /** Plain text only: where the file's whole values end, when it ends inside one. */
  let cutAt: string | undefined;
  let document: { firstLine: number; text: string[] } | undefined;
  /** The values of `parsed`, or the refusal of the text they came from. */
  const valuesOf = (parsed: JsonValues, text: string, where: string): unknown[] => {
    if (parsed.refused === undefined) return parsed.values;
    if (values === 0) {
      const output = awsCliOutputOf(text.split('\n', 1)[0]);
      throw new RecordingError(`${path} is not a recording: ${output ? awsCliOutputRemedy(output) : 'it is neither JSON Lines nor JSON documents'}.`);
    }
    throw new RecordingError(`${path} ${where} is not JSON: ${parsed.refused}`);
  };
  const takeAll = (text: string, parsed: JsonValues, where: string, first: boolean) =>
    valuesOf(parsed, text, where).forEach((value, i) => take(builder, value, where, first && i === 0, path));
  /**
   * The text the file ends in, when it ends inside a value after something whole (lines before,
   * or values before it in the same text, as a loop appending responses without line breaks
   * leaves them when it is killed): its whole values are taken and the cut placed after them.
   * False for any other text.
   */
  const takeToCut = (parsed: JsonValues, where: string, before: string): boolean => {
    if (gzipped || !parsed.cut || (values === 0 && parsed.values.length === 0)) return false;
    parsed.values.forEach((value, i) => take(builder, value, where, values === 0 && i === 0, path));
    const whole = parsed.values.length;
    cutAt = whole > 0 ? `in ${document ? 'the ' : ''}${where}, after ${whole} whole JSON value${whole === 1 ? '' : 's'}` : before;
    return true;
  };
  try {
    for await (const line of lines) {
      lineNumber += 1;
      // A byte-order mark some Windows tools put first is not part of the JSON.
      const text = lineNumber === 1 && line.startsWith('\uFEFF') ? line.slice(1) : line;
      if (document) {
        document.text.push(text);
        if (text !== '}' && text !== ']') continue;
        const where = `document at line ${document.firstLine}`;
        const joined = document.text.join('\n');
        takeAll(joined, jsonValuesOf(joined), where, false);
        document = undefined;
      } else if (text === '{' || text === '[') {
        document = { firstLine: lineNumber, text: [text] };
        continue;
      } else if (text.trim() === '') {
        continue;
      } else {
        // The last line, without a line break, may be what a cut left of a line; any other is
        // whole or a typo, refused as "not JSON".
        const parsed = jsonValuesOf(text);
        const where = `line ${lineNumber}`;
        if (!(end.unterminated && takeToCut(parsed, where, `after line ${lineNumber - 1}`))) takeAll(text, parsed, where, values === 0);
      }
      values += 1;
    }
    if (document) {
      // A document left open: whole but closed in another way than a line `}` (a trailing
      // space), what a cut left of one, or neither. Read to a gzip cut, it is dropped as a cut line is.
      const where = `document at line ${document.firstLine}`;
      const text = document.text.join('\n');
      const parsed = jsonValuesOf(text);
      if (parsed.refused === undefined) takeAll(text, parsed, where, values === 0);
      else if (!takeToCut(parsed, where, `after line ${document.firstLine - 1}`) && !whatIsThere) {
        throw new RecordingError(`${path} ends inside the JSON document that starts at line ${document.firstLine}.`);
      }
    }
    if (cutAt !== undefined && !allowTruncated) throw new RecordingCutShort(path, cutAt);
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    if (tooLongForAString(error)) {
      const where = document ? `the document that starts at line ${document.firstLine}` : `line ${lineNumber + 1}`;
      throw new RecordingError(
        `${path} holds a JSON value longer than Node can hold in one string (${Math.floor(buffer.MAX_STRING_LENGTH / 2 ** 20)} MiB), ${where}: write one record or one GetRecords response a line (jq -c '.[]' for an array of records, jq -c '.Records[]' for a response).`,
      );
    }
    if (gzipped && cutShort(error)) {
      // Cut inside its first line, it has nothing whole to replay: --allow-truncated, offered, then called it empty.
      if (whatIsThere || lineNumber === 0) throw new RecordingError(`${path} is cut short before anything in it can be read.`);
      throw new RecordingCutShort(path, `after line ${lineNumber}`);
    }
    throw new RecordingError(`${path} could not be read as JSON Lines (line ${lineNumber}): ${(error as Error).message}`);
  } finally {
    input.destroy();
    await closeReadStream(file);
  }
  if (whatIsThere) builder.cutShort(`after line ${lineNumber}`);
  else if (cutAt !== undefined) builder.cutShort(cutAt);
}
