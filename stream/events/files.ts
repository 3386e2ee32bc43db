/**
 * Batch input files for the producer, one format per event type as on the wire:
 * `.jsonl` (impressions, one JSON object a line), `.csv` (clicks and conversions, one wire line a
 * row, no header) and `.avro` (bid requests, an Avro object container file).
 *
 * `readRecordsFromFile` yields every record in its *wire* format so the producer can put file
 * contents on Kinesis unchanged in meaning. JSON and CSV records are passed through byte for byte
 * (a malformed row becomes a rejection in the consumer, like any bad record). Container rows
 * written with a bid_request schema the registry knows (the current one, or an older one) go as
 * they are written, behind that schema's single-object header, so the consumer judges them as it
 * judges any producer's: decoded here and encoded again, a string that is not UTF-8 came out
 * repaired (U+FFFD) and was stored, where a single-object record holding it is rejected. Rows of
 * any other writer schema are resolved to the current one and encoded again.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { extname } from 'node:path';
import { finished } from 'node:stream/promises';
import avro from 'avsc';
import { avroTypes, strictBoolean, type EventType } from './schemas.ts';
import type { AdEvent } from './types.ts';
import { encodeEvent } from './wire.ts';
import { EXACT_LONG } from './codecs/avro.ts';
import { currentBidRequestHeader, singleObjectHeader } from './codecs/singleObjectHeader.ts';
import { schemaFingerprint } from './crc64avro.ts';
import { defaultRegistry, type RegisteredSchema } from './registry.ts';
import { endsWithSync } from './avroContainerEnd.ts';

export type FileFormat = 'jsonl' | 'csv' | 'avro';

const typesByFormat: Record<FileFormat, readonly EventType[]> = {
  jsonl: ['impression'],
  csv: ['click', 'conversion'],
  avro: ['bid_request'],
};

export function fileFormatOf(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.csv' || ext === '.avro') return ext.slice(1) as FileFormat;
  throw new Error(`unsupported event file ${path}: use .jsonl (impressions), .csv (clicks, conversions) or .avro (bid requests)`);
}

/**
 * Why the producer cannot put this file, or undefined when it can: checked before anything is
 * put, so a missing, cut or foreign file puts nothing rather than its first part.
 */
export async function eventFileProblem(path: string): Promise<string | undefined> {
  let format: FileFormat;
  try {
    format = fileFormatOf(path);
  } catch (error) {
    return `${(error as Error).message}.`;
  }
  if (!existsSync(path)) return `the event file ${path} does not exist.`;
  // Read, it failed (exit 1) with Node's "EISDIR: illegal operation on a directory, read".
  if (statSync(path).isDirectory()) return `the event file ${path} is a directory; name the files in it (adstream generate writes impressions.jsonl, clicks_conversions.csv and bid_requests.avro).`;
  if (format === 'csv') return csvHeaderProblem(path);
  if (format === 'jsonl') return prettyJsonProblem(path);
  // avsc decodes the header's metadata: avro.schema comes as the parsed schema.
  let header: { sync: Buffer; meta: Record<string, unknown> } | null;
  try {
    header = avro.extractFileHeader(path) as { sync: Buffer; meta: Record<string, unknown> } | null;
  } catch {
    header = null;
  }
  if (!header) return `${path} is not an Avro object container file (bid requests go in one, as "adstream generate" writes them).`;
  const foreign = foreignSchemaProblem(path, header.meta['avro.schema']);
  if (foreign) return foreign;
  if (!(await endsWithSync(path, header.sync))) return `${path} is cut short: it does not end with a block's sync marker, so its last block is incomplete; nothing was put.`;
  return undefined;
}

/** A container whose writer schema cannot be read as a bid request (another record type): said before anything is put. */
function foreignSchemaProblem(path: string, schema: unknown): string | undefined {
  try {
    avroTypes.bid_request.createResolver(avro.Type.forSchema(schema as avro.Schema));
    return undefined;
  } catch (error) {
    return `${path} holds Avro records that cannot be read as bid requests (${(error as Error).message}); bid requests go in a container of the bid_request schema, as "adstream generate" writes them.`;
  }
}

/** The file's first line (of its first 256 bytes), without a byte-order mark. */
async function firstLineOf(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 255 });
  let head = '';
  for await (const chunk of stream) head += (chunk as Buffer).toString('utf8');
  return head.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
}

/** A pretty-printed JSON file named .jsonl: each of its lines would go as a record of its own, every one rejected. */
async function prettyJsonProblem(path: string): Promise<string | undefined> {
  const firstLine = (await firstLineOf(path)).trim();
  if (firstLine !== '{' && firstLine !== '[') return undefined;
  return `${path} starts with a line "${firstLine}" alone, as pretty-printed JSON does, but each line of a .jsonl file is put as one impression: write one object per line (e.g. jq -c '.' or, for an array, jq -c '.[]'); nothing was put.`;
}

/**
 * CSV records have no header: a first line naming the columns (`type,event_id,…`, as a spreadsheet
 * writes) would be put on the stream as a record and rejected. Refused before anything is put.
 */
async function csvHeaderProblem(path: string): Promise<string | undefined> {
  const firstLine = await firstLineOf(path);
  if (!/^"?type"?,/i.test(firstLine)) return undefined;
  return `${path} starts with a header line ("${firstLine.slice(0, 40)}${firstLine.length > 40 ? '…' : ''}"), but adstream's CSV records have none (each line is a click or a conversion): remove it; nothing was put.`;
}

export async function writeEventsFile(path: string, events: readonly AdEvent[]): Promise<void> {
  const format = fileFormatOf(path);
  const allowed = typesByFormat[format];
  const misfit = events.find((e) => !allowed.includes(e.type));
  if (misfit) {
    throw new Error(`a .${format} file holds ${allowed.join(' and ')} events only; got a ${misfit.type}`);
  }
  const file = createWriteStream(path);
  // avsc's createFileEncoder hides the file stream, and the encoder finishing does not mean the
  // file is flushed; piping our own BlockEncoder lets us wait for the file itself.
  // The sync marker is a hash of the contents rather than avsc's random bytes, so that the same
  // events make the same file byte for byte (a seed's traffic is reproducible to the byte); a
  // hash is as unlikely as random bytes to occur inside the data.
  const out = format === 'avro' ? new avro.streams.BlockEncoder(avroTypes.bid_request, { syncMarker: contentSyncMarker(events) }) : file;
  if (out !== file) out.pipe(file);
  for (const event of events) {
    const chunk = format === 'avro' ? event.body : Buffer.concat([encodeEvent(event), NEWLINE]);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await finished(file);
}

const NEWLINE = Buffer.from('\n');

/** 16 bytes of a SHA-256 over the events' bodies: an Avro sync marker that follows from the contents. */
function contentSyncMarker(events: readonly AdEvent[]): Buffer {
  const hash = createHash('sha256');
  for (const event of events) hash.update(JSON.stringify(event.body));
  return hash.digest().subarray(0, 16);
}

export async function* readRecordsFromFile(path: string): AsyncIterable<Buffer> {
  const format = fileFormatOf(path);
  if (format === 'avro') {
    // A registered writer keeps its own header (the consumer resolves it); any other is resolved
    // to the current schema here. Either way strings are carried as bytes, unrepaired.
    const known = knownWriterOf(path);
    const type = stringsAsBytes(known?.writerType ?? avroTypes.bid_request);
    const header = known ? singleObjectHeader(known.fingerprint) : currentBidRequestHeader;
    yield* rowsOf(path, type, (row) => Buffer.concat([header, type.toBuffer(row)]));
    return;
  }
  yield* splitRecords(createReadStream(path), format === 'csv');
}

/** A container's rows read as `readerType`, each made a record; a row that cannot be read is named, with its file. */
async function* rowsOf(path: string, readerType: avro.Type, record: (row: unknown) => Buffer): AsyncIterable<Buffer> {
  let rows = 0;
  try {
    for await (const row of avro.createFileDecoder(path, { readerSchema: readerType })) {
      const made = record(row);
      rows += 1;
      yield made;
    }
  } catch (error) {
    // avsc says only what (e.g. "potential precision loss" for a long beyond ±(2^53 − 2)), not where.
    throw new Error(`${path} row ${rows + 1} cannot be read as a bid request: ${(error as Error).message}.`, { cause: error });
  }
}

/**
 * The schema with every string (and string branch of a union) read as bytes. Avro writes both the
 * same way, so a string's bytes pass through as written, invalid UTF-8 included, where decoding
 * them would repair them to U+FFFD. (avsc's own undecoded mode streams the rows' bytes run
 * together, with no boundary between two rows.) Map keys would still be decoded: no event schema
 * has a map.
 */
const stringsAsBytes = (type: avro.Type): avro.Type =>
  avro.Type.forSchema(type.schema() as avro.Schema, {
    // Plain longs exact too: avsc's own refuses ±(2^53 − 1), which the consumer reads.
    registry: { long: EXACT_LONG, boolean: strictBoolean() },
    typeHook: (schema: avro.Schema) => (schema === 'string' || (schema as { type?: unknown }).type === 'string' ? avro.Type.forSchema('bytes') : undefined),
  } as Partial<avro.ForSchemaOptions>);

/** The registry's entry for the container's writer schema, if it is a bid_request schema the consumer knows. */
function knownWriterOf(path: string): RegisteredSchema | undefined {
  const header = avro.extractFileHeader(path) as { meta: Record<string, unknown> } | null;
  if (!header) return undefined;
  const entry = defaultRegistry.lookup(schemaFingerprint(avro.Type.forSchema(header.meta['avro.schema'] as avro.Schema)));
  return entry?.eventType === 'bid_request' ? entry : undefined;
}

/**
 * Splits a byte stream into records at line feeds. For CSV, a line feed inside a quoted cell
 * belongs to the record (RFC 4180). A quote opens a quoted cell only where a cell starts (an
 * escaped quote `""` inside one reopens it); anywhere else it is a stray quote, left for the CSV
 * decoder to judge with its line. Toggling on every quote made one stray `"` join every line after
 * it into one rejected record. A trailing `\r` and blank lines are dropped.
 */
async function* splitRecords(chunks: AsyncIterable<Buffer>, quoteAware: boolean): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let inQuotes = false;
  let cellStart = true;
  let justClosed = false;
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x22 && quoteAware) {
        if (inQuotes) [inQuotes, justClosed] = [false, true];
        else if (cellStart || justClosed) [inQuotes, justClosed] = [true, false];
        cellStart = false;
        continue;
      }
      justClosed = false;
      if (byte === 0x0a && !inQuotes) {
        pending.push(chunk.subarray(start, i));
        const record = finishRecord(pending);
        if (record) yield record;
        pending = [];
        start = i + 1;
        cellStart = true;
      } else {
        cellStart = byte === 0x2c && !inQuotes;
      }
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  const last = finishRecord(pending);
  if (last) yield last;
}

function finishRecord(parts: Buffer[]): Buffer | undefined {
  let record = parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts);
  if (record.length > 0 && record[record.length - 1] === 0x0d) record = record.subarray(0, -1);
  return record.toString('latin1').trim() === '' ? undefined : record;
}
