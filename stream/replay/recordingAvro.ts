/**
 * Recordings as an Avro object container file (`adstream record --out traffic.avro`): one block
 * of deflated records at a time, readable by any Avro tool. The header sits in the container's
 * metadata under `adstream.recording`; each datum is a union of a Kinesis record and a shard that
 * appeared while recording. The reader also takes another tool's container whose datum is a
 * plain record with the fields recordFields.ts knows (adstream's names or the Kinesis API's).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import avro from 'avsc';
import type { SourceRecord } from '../pipeline/batch.ts';
import { checkHeader, headerText, RecordingCutShort, RecordingError, type HeaderFields, type RecordingHeader, type RecordingWriter, type ShardAdded } from './recording.ts';
import type { RecordingBuilder } from './recordingBuilder.ts';
import { RecordingOutput } from './recordingOutput.ts';

export const AVRO_HEADER_KEY = 'adstream.recording';
const NAMESPACE = 'adstream.recording';
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

export class AvroRecordingWriter implements RecordingWriter {
  private readonly output: RecordingOutput;
  records = 0;

  constructor(path: string, header: HeaderFields) {
    // `metadata` is a BlockEncoder option avsc's typings leave out.
    const options = { codec: 'deflate', metadata: { [AVRO_HEADER_KEY]: Buffer.from(headerText(header)) } } as Partial<avro.EncoderOptions>;
    this.output = new RecordingOutput(new avro.streams.BlockEncoder(entryType, options), path);
  }

  async shardAdded(added: ShardAdded): Promise<void> {
    await this.output.write({ [SHARD_ADDED_BRANCH]: added });
    await this.output.flush();
  }

  async write(records: readonly SourceRecord[]): Promise<void> {
    for (const r of records) await this.output.write({ [RECORD_BRANCH]: { shard: r.shardId, seq: r.sequenceNumber, arrival: r.arrivalTime, key: r.partitionKey, data: Buffer.from(r.data) } });
    // avsc puts out a block once it holds 64 KiB: the records of a block not full yet are not in the file.
    await this.output.flush();
    this.records += records.length;
  }

  async close(): Promise<void> {
    await this.output.write({ [CLOSED_BRANCH]: { records: this.records } }).catch(() => undefined);
    await this.output.close();
  }
}

/** Whether the container's schema (its writer's) has the closing datum: recordings written before it was added do not. */
const hasClosingDatum = (type: avro.Type): boolean => type.typeName === 'union:wrapped' && (type as unknown as { types: avro.Type[] }).types.some((branch) => branch.name === CLOSED_BRANCH);

/** Every complete container ends with its sync marker; avsc drops a block cut short without a word. */
async function endsWithSync(path: string, sync: Buffer): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < sync.length) return false;
    const { buffer } = await file.read(Buffer.alloc(sync.length), 0, sync.length, size - sync.length);
    return buffer.equals(sync);
  } finally {
    await file.close();
  }
}

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
      if (!allowTruncated) throw new RecordingCutShort(path, `after datum ${index} (${cut})`);
      builder.cutShort(`after datum ${index}`);
    } else if (closed && Number(closed.records) !== records) {
      throw new RecordingError(`${path} holds ${records} records, but its recorder closed it after writing ${String(closed.records)}.`);
    }
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    throw new RecordingError(`${path} could not be read as an Avro container (datum ${index + 1}): ${(error as Error).message}`);
  } finally {
    decoder.destroy();
    file.destroy();
  }
}
