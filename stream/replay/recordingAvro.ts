/**
 * Recordings as an Avro object container file (`adstream record --out traffic.avro`): one block
 * of deflated records at a time, readable by any Avro tool. The header sits in the container's
 * metadata under `adstream.recording`; each datum is a union of a Kinesis record and a shard that
 * appeared while recording. The reader also takes another tool's container whose datum is a
 * plain record with the fields recordFields.ts knows (adstream's names or the Kinesis API's).
 */
import { createReadStream } from 'node:fs';
import { closeReadStream } from './closeReadStream.ts';
import { randomBytes } from 'node:crypto';
import { PassThrough, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import avro from 'avsc';
import type { SourceRecord } from '../pipeline/batch.ts';
import { checkHeader, headerText, RecordingCutShort, RecordingError, type HeaderFields, type RecordingHeader, type RecordingWriter, type ShardAdded } from './recording.ts';
import { endsWithSync } from '../events/avroContainerEnd.ts';
import type { RecordingBuilder } from './recordingBuilder.ts';
import { RecordingOutput } from './recordingOutput.ts';

export const AVRO_HEADER_KEY = 'adstream.recording';
const NAMESPACE = 'adstream.recording';
const AVRO_MAGIC = Buffer.from('Obj\x01', 'latin1');
const RECORD_BRANCH = `${NAMESPACE}.KinesisRecord`;
const SHARD_ADDED_BRANCH = `${NAMESPACE}.ShardAdded`;
const CLOSED_BRANCH = `${NAMESPACE}.RecordingClosed`;

const entryType = avro.Type.forSchema([
  {
    type: 'record',
    name: 'KinesisRecord',
    namespace: NAMESPACE,
    fields: [
      { name: 'shard', type: 'string' },
      { name: 'seq', type: 'string' },
      { name: 'arrival', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'key', type: 'string' },
      { name: 'data', type: 'bytes' },
    ],
  },
  {
    type: 'record',
    name: 'ShardAdded',
    namespace: NAMESPACE,
    fields: [
      { name: 'shard', type: 'string' },
      { name: 'hashRange', type: { type: 'record', name: 'HashRange', fields: [{ name: 'start', type: 'string' }, { name: 'end', type: 'string' }] } },
      { name: 'parents', type: { type: 'array', items: 'string' } },
    ],
  },
  // The last datum of a recording closed properly, with its count of records: a container cut
  // between two blocks is itself a valid container, so only this tells a killed recorder's file.
  { type: 'record', name: 'RecordingClosed', namespace: NAMESPACE, fields: [{ name: 'records', type: 'long' }] },
]);

/** The container header of the Avro specification ("Object Container Files"). */
const containerHeaderType = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const longType = avro.Type.forSchema('long');
const deflate = promisify(deflateRaw);

/**
 * Writes the container's blocks itself rather than through avsc's BlockEncoder, which puts a
 * block out only once it holds 64 KiB: on a quiet stream that kept hours of records out of the
 * file, to be lost if the recorder was killed. Here each write (a GetRecords result) is one
 * deflated block, in the file when the write resolves. avsc still encodes every datum and reads
 * the file back.
 */
export class AvroRecordingWriter implements RecordingWriter {
  private readonly output: RecordingOutput;
  private readonly sync = randomBytes(16);
  records = 0;

  private constructor(path: string) {
    this.output = new RecordingOutput(new PassThrough(), path);
  }

  static async open(path: string, header: HeaderFields): Promise<AvroRecordingWriter> {
    const writer = new AvroRecordingWriter(path);
    const meta = {
      'avro.schema': Buffer.from(JSON.stringify(entryType.schema({ exportAttrs: true }))),
      'avro.codec': Buffer.from('deflate'),
      [AVRO_HEADER_KEY]: Buffer.from(headerText(header)),
    };
    await writer.output.write(containerHeaderType.toBuffer({ magic: AVRO_MAGIC, meta, sync: writer.sync }));
    await writer.output.flush();
    return writer;
  }

  shardAdded(added: ShardAdded): Promise<void> {
    return this.block([{ [SHARD_ADDED_BRANCH]: added }]);
  }

  async write(records: readonly SourceRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.block(records.map((r) => ({ [RECORD_BRANCH]: { shard: r.shardId, seq: r.sequenceNumber, arrival: r.arrivalTime, key: r.partitionKey, data: Buffer.from(r.data) } })));
    this.records += records.length;
  }

  async close(): Promise<void> {
    await this.block([{ [CLOSED_BRANCH]: { records: this.records } }]).catch(() => undefined);
    await this.output.close();
  }

  /** One block: its datum count, its deflated size, the datums, the sync marker. */
  private async block(datums: object[]): Promise<void> {
    const data = await deflate(Buffer.concat(datums.map((datum) => entryType.toBuffer(datum))));
    await this.output.write(Buffer.concat([longType.toBuffer(datums.length), longType.toBuffer(data.length), data, this.sync]));
    await this.output.flush();
  }
}

/** Whether the container's schema (its writer's) has the closing datum: recordings written before it was added do not. */
const hasClosingDatum = (type: avro.Type): boolean => type.typeName === 'union:wrapped' && (type as unknown as { types: avro.Type[] }).types.some((branch) => branch.name === CLOSED_BRANCH);

/** Reads a container into the builder; one cut inside a block is refused, or with `allowTruncated` read to its last whole block. */
export async function readAvroContainer(path: string, builder: RecordingBuilder, allowTruncated = false): Promise<void> {
  const file = createReadStream(path);
  // pipeline, not pipe: a read error reaches the loop, and a refusal mid-file closes the file.
  const decoder = pipeline(file, new avro.streams.BlockDecoder(), () => {});
  let wrapped = false;
  let closable = false;
  let closed: { records: number } | undefined;
  let records = 0;
  let sync: Buffer | undefined;
  // Thrown from the loop below: an exception inside the decoder's event would escape the stream.
  let headerError: Error | undefined;
  decoder.on('metadata', (type: avro.Type, _codec: string, header: { meta: Record<string, Buffer>; sync: Buffer }) => {
    sync = header.sync;
    wrapped = type.typeName === 'union:wrapped';
    closable = hasClosingDatum(type);
    const ours = header.meta[AVRO_HEADER_KEY];
    if (!ours) return;
    try {
      builder.setHeader(checkHeader(JSON.parse(ours.toString('utf8')) as Partial<RecordingHeader>, path));
    } catch (error) {
      headerError = error instanceof RecordingError ? error : new RecordingError(`${path} has an ${AVRO_HEADER_KEY} header that is not JSON.`);
    }
  });
  let index = 0;
  try {
    for await (const datum of decoder as AsyncIterable<Record<string, unknown>>) {
      if (headerError) throw headerError;
      index += 1;
      const [branch, value] = wrapped ? Object.entries(datum)[0] : ['', datum];
      if (closed) throw new RecordingError(`${path} goes on after its closing datum (datum ${index}).`);
      if (branch === CLOSED_BRANCH) closed = value as { records: number };
      else if (branch === SHARD_ADDED_BRANCH) builder.shardAdded(value as ShardAdded);
      else {
        builder.record(value, `datum ${index}`);
        records += 1;
      }
    }
    if (headerError) throw headerError;
    // avsc ends quietly on a file cut inside the container's header or inside a block.
    if (!sync) throw new Error('the container header is cut short');
    const cut = !(await endsWithSync(path, sync)) ? "it does not end with a block's sync marker" : closable && !closed ? 'its recorder did not close it' : undefined;
    if (cut) {
      if (!allowTruncated) throw new RecordingCutShort(path, `after datum ${index}: ${cut}`);
      builder.cutShort(`after datum ${index}`);
    } else if (closed && Number(closed.records) !== records) {
      throw new RecordingError(`${path} holds ${records} records, but its recorder closed it after writing ${String(closed.records)}.`);
    }
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    const codec = /unknown codec: (\S+)/.exec((error as Error).message)?.[1];
    if (codec) throw new RecordingError(`${path} is an Avro container compressed with ${codec}, which replay does not read: write it with the deflate or null codec (as Spark's avro.compression.codec, fastavro's codec or avro-tools recodec set).`);
    throw new RecordingError(`${path} could not be read as an Avro container (datum ${index + 1}): ${(error as Error).message}`);
  } finally {
    decoder.destroy();
    await closeReadStream(file);
  }
}
