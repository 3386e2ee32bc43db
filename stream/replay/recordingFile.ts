/**
 * Opening recordings by file: the writer follows the name `adstream record --out` was given
 * (`.avro` an Avro container, `.gz` gzip JSON Lines); the reader follows the first bytes, so a
 * recording renamed or gunzipped to be looked at reads as well as the original.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RecordingCutShort, RecordingError, type HeaderFields, type Recording, type RecordingWriter } from './recording.ts';
import { RecordingBuilder } from './recordingBuilder.ts';
import { JsonLinesRecordingWriter, readJsonLines } from './recordingJsonLines.ts';
import { AvroRecordingWriter, readAvroContainer } from './recordingAvro.ts';
import { makeDirectory } from '../../sinks/makeDirectory.ts';

type Kind = 'gzip' | 'avro' | 'text';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const AVRO_MAGIC = Buffer.from('Obj\x01', 'latin1');

const RECORDING_EXTENSIONS = ['.gz', '.avro'] as const;

async function kindOf(path: string): Promise<Kind> {
  let first: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      const { bytesRead, buffer } = await file.read(Buffer.alloc(4), 0, 4, 0);
      first = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new RecordingError(`${path} could not be read: ${(error as Error).message}`);
  }
  if (first.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (first.equals(AVRO_MAGIC)) return 'avro';
  const other = UNREAD_FORMATS.find(({ magic }) => first.subarray(0, magic.length).equals(magic));
  if (other) throw new RecordingError(`${path} is ${other.what}, which replay does not read: ${other.remedy}.`);
  return 'text';
}

/** Formats a capture may come in that replay does not read, told by their first bytes, with what to do instead. */
const UNREAD_FORMATS = [
  { magic: Buffer.from([0xff, 0xfe]), what: 'UTF-16 text (as PowerShell\'s > writes it)', remedy: 'write it as UTF-8 (Out-File -Encoding utf8, or iconv -f UTF-16 -t UTF-8)' },
  { magic: Buffer.from([0xfe, 0xff]), what: 'UTF-16 text', remedy: 'convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)' },
  { magic: Buffer.from('BZh', 'latin1'), what: 'bzip2-compressed', remedy: 'decompress it (bunzip2), or recompress it with gzip' },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), what: 'zstd-compressed', remedy: 'decompress it (zstd -d), or recompress it with gzip' },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58]), what: 'xz-compressed', remedy: 'decompress it (xz -d), or recompress it with gzip' },
  { magic: Buffer.from('PK\x03\x04', 'latin1'), what: 'a zip archive', remedy: 'unzip it and replay the capture inside' },
];

export interface ReadOptions {
  /** Replay what a file cut short holds up to the cut, rather than refuse it. */
  allowTruncated?: boolean;
  /** Told the records read so far, every 10,000 (a long recording takes minutes to read). */
  onProgress?: (records: number) => void;
}

export async function readRecording(path: string, options: ReadOptions = {}): Promise<Recording> {
  const kind = await kindOf(path);
  try {
    return await readInto(new RecordingBuilder(path, options.onProgress), path, kind, options.allowTruncated ?? false, false);
  } catch (error) {
    // zlib gives the whole lines before a cut only when told to stop there, so a gzip recording
    // found cut short is read again, to the cut.
    if (!(error instanceof RecordingCutShort && options.allowTruncated && kind === 'gzip')) throw error;
    return readInto(new RecordingBuilder(path, options.onProgress), path, kind, true, true);
  }
}

async function readInto(builder: RecordingBuilder, path: string, kind: Kind, allowTruncated: boolean, toTheCut: boolean): Promise<Recording> {
  try {
    if (kind === 'avro') await readAvroContainer(path, builder, allowTruncated);
    else await readJsonLines(path, kind === 'gzip', builder, { whatIsThere: toTheCut, allowTruncated });
    return await builder.finish();
  } catch (error) {
    builder.discard();
    throw error;
  }
}

/** The format `adstream record` writes to a file of this name, or why it cannot. */
export function recordingFormatOf(path: string): '.gz' | '.avro' {
  const extension = RECORDING_EXTENSIONS.find((ext) => path.endsWith(ext));
  if (!extension) throw new RecordingError(`a recording is written as gzip JSON Lines (a name ending in .gz) or as an Avro container (.avro), not "${path}".`);
  return extension;
}

export async function openRecordingWriter(path: string, header: HeaderFields): Promise<RecordingWriter> {
  const format = recordingFormatOf(path);
  await makeDirectory(dirname(path));
  return format === '.avro' ? AvroRecordingWriter.open(path, header) : JsonLinesRecordingWriter.open(path, header);
}
