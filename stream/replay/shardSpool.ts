/**
 * A shard's records spooled to a file of their own while a recording is read, and read back a
 * part at a time while it is replayed, so a replay holds a few parts per shard in memory rather
 * than the whole recording (a million records took 1.6 GB, and V8's heap ends near 15 million).
 *
 * Each record is written as it came, length-prefixed:
 * `u32 bytes that follow | f64 arrival | u32 n | sequence number (n bytes) | u32 m | partition key
 * (m bytes, UTF-8) | data`. The shard id is the spool's own. Little-endian, read only by this file.
 */
import { closeSync, openSync, read, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SourceRecord } from '../pipeline/batch.ts';
import { LongestGap, RecordingError, type ShardReader, type ShardRecords } from './recording.ts';

const readAt = promisify(read);

/** Records are gathered this far before a write, per shard. */
const WRITE_BYTES = 256 * 1024;
/** What one read of a spool takes in. */
const READ_BYTES = 256 * 1024;
/** Arrival, the two string lengths and the record's own length. */
const FIXED_BYTES = 4 + 8 + 4 + 4;

/**
 * A spool file with no name: created in the system's temp directory ($TMPDIR) and unlinked at
 * once, so that the system frees it when its descriptor is closed, or when the process ends in
 * any way, a SIGKILL included; nothing is left behind to clean up.
 */
function anonymousFile(): number {
  const path = join(tmpdir(), `adstream-spool-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = spoolIo(() => openSync(path, 'wx+'));
  unlinkSync(path);
  return fd;
}

/** A spool's own failure (a full $TMPDIR), told apart from the recording's. */
function spoolIo<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new RecordingError(`replay's spool files in ${tmpdir()} could not be written (${(error as Error).message}); point TMPDIR at a directory with room for the recording's records.`);
  }
}

export class ShardSpoolWriter {
  private buffer = Buffer.allocUnsafe(WRITE_BYTES);
  private used = 0;
  private readonly fd = anonymousFile();
  /** Of the spooled bytes: the records as replay will read them, whatever file they came from. */
  private readonly hash = createHash('sha256');
  private size = 0;
  /** Handed over to the finished spool, which closes it. */
  private finished = false;
  length = 0;
  firstArrival: number | undefined;
  private readonly gap = new LongestGap();

  constructor(readonly shardId: string) {}

  append(record: SourceRecord): void {
    const bytes = FIXED_BYTES + Buffer.byteLength(record.sequenceNumber, 'latin1') + Buffer.byteLength(record.partitionKey, 'utf8') + record.data.byteLength;
    if (this.used + bytes > this.buffer.length) this.flush();
    // A record larger than the buffer (Kinesis allows 1 MiB of data) gets a buffer of its own.
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
    const b = this.buffer;
    let at = this.used;
    at = b.writeUInt32LE(bytes - 4, at);
    at = b.writeDoubleLE(record.arrivalTime, at);
    at = writeText(b, at, record.sequenceNumber, 'latin1');
    at = writeText(b, at, record.partitionKey, 'utf8');
    b.set(record.data, at);
    this.used = at + record.data.byteLength;
    this.length += 1;
    this.firstArrival ??= record.arrivalTime;
    this.gap.observe(record.arrivalTime);
  }

  private flush(): void {
    this.hash.update(this.buffer.subarray(0, this.used));
    let written = 0;
    while (written < this.used) written += spoolIo(() => writeSync(this.fd, this.buffer, written, this.used - written, this.size + written));
    this.size += this.used;
    this.used = 0;
  }

  /**
   * The finished spool, read back as `ShardRecords`; `close` frees its file. `digest`: SHA-256 of
   * its records in the order spooled, each as it will be read back (so the same records from a
   * file of another format have the same digest).
   */
  finish(): SpooledShardRecords {
    this.flush();
    this.buffer = Buffer.alloc(0);
    this.finished = true;
    return new SpooledShard(this.shardId, this.fd, this.size, this.length, this.firstArrival, this.gap.value, this.hash.digest('hex'));
  }

  /** Frees the file of a spool not finished (a recording refused part-way). */
  discard(): void {
    if (!this.finished) closeSync(this.fd);
    this.finished = true;
  }
}

/** Length-prefixed text: a sequence number (digits, latin1) or a partition key (UTF-8), of any length a hand-made capture holds. */
function writeText(buffer: Buffer, at: number, text: string, encoding: 'latin1' | 'utf8'): number {
  const length = buffer.write(text, at + 4, encoding);
  buffer.writeUInt32LE(length, at);
  return at + 4 + length;
}

export interface SpooledShardRecords extends ShardRecords {
  readonly digest: string;
  close(): void;
}

class SpooledShard implements SpooledShardRecords {
  constructor(
    private readonly shardId: string,
    private readonly fd: number,
    private readonly size: number,
    readonly length: number,
    readonly firstArrival: number | undefined,
    readonly longestGap: number,
    readonly digest: string,
  ) {}

  async read(from: number): Promise<ShardReader> {
    const reader = new SpoolReader(this.shardId, this.fd, this.size);
    await reader.skip(from);
    return reader;
  }

  async all(): Promise<SourceRecord[]> {
    return (await this.read(0)).take(this.length);
  }

  private closed = false;

  /** Frees the file; once only, as a descriptor number is reused by the next file opened. */
  close(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
  }
}

/**
 * Reads a spool from its start, keeping at least one record parsed ahead so that `next` (which
 * replay compares across shards to pick the one to read) needs no wait. Readers read at their
 * own offsets, so several can share the spool's descriptor.
 */
class SpoolReader implements ShardReader {
  private pending: SourceRecord[] = [];
  private rest: Buffer = Buffer.alloc(0);
  private offset = 0;
  previousSequenceNumber: string | undefined;

  constructor(
    private readonly shardId: string,
    private readonly fd: number,
    private readonly size: number,
  ) {}

  get next(): SourceRecord | undefined {
    return this.pending[0];
  }

  async skip(count: number): Promise<void> {
    let skipped = 0;
    while (skipped < count) {
      await this.fill(1);
      if (this.pending.length === 0) break;
      const dropped = this.pending.splice(0, Math.min(count - skipped, this.pending.length));
      skipped += dropped.length;
      this.previousSequenceNumber = dropped[dropped.length - 1].sequenceNumber;
    }
    await this.fill(1);
  }

  async take(count: number): Promise<SourceRecord[]> {
    await this.fill(count + 1);
    const taken = this.pending.splice(0, count);
    if (taken.length > 0) this.previousSequenceNumber = taken[taken.length - 1].sequenceNumber;
    return taken;
  }

  async takeWhile(count: number, keep: (record: SourceRecord) => boolean): Promise<SourceRecord[]> {
    await this.fill(count + 1);
    const until = Math.min(count, this.pending.length);
    let taking = Math.min(1, until);
    while (taking < until && keep(this.pending[taking])) taking += 1;
    return this.take(taking);
  }

  putBack(records: SourceRecord[], previous: string | undefined): void {
    // Not unshift(...records): a part of --batch-size 200,000 would pass that many arguments.
    this.pending = records.concat(this.pending);
    this.previousSequenceNumber = previous;
  }

  /** Nothing to free: the descriptor belongs to the spool. */
  async close(): Promise<void> {}

  private async fill(wanted: number): Promise<void> {
    while (this.pending.length < wanted && this.offset < this.size) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_BYTES, this.size - this.offset));
      const { bytesRead } = await readAt(this.fd, chunk, 0, chunk.length, this.offset);
      if (bytesRead === 0) throw new Error(`the replay spool of ${this.shardId} ends at ${this.offset} of its ${this.size} bytes`);
      this.offset += bytesRead;
      const bytes = this.rest.length > 0 ? Buffer.concat([this.rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      this.rest = this.parse(bytes);
    }
  }
  /** Parses the whole records in `bytes` into `pending`; returns the bytes of a record cut short. */
  private parse(bytes: Buffer): Buffer {
    // Arrival times through a DataView, which compiles to a plain load: readDoubleLE returned
    // each as a heap double of its own (16 bytes a record) before the record took its copy.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (at + 4 <= bytes.length) {
      const end = at + 4 + bytes.readUInt32LE(at);
      if (end > bytes.length) break;
      const arrivalTime = view.getFloat64(at + 4, true);
      const sequenceBytes = bytes.readUInt32LE(at + 12);
      const sequenceNumber = bytes.toString('latin1', at + 16, at + 16 + sequenceBytes);
      const keyAt = at + 16 + sequenceBytes;
      const keyBytes = bytes.readUInt32LE(keyAt);
      const partitionKey = bytes.toString('utf8', keyAt + 4, keyAt + 4 + keyBytes);
      // A view into the chunk, not a copy: the chunk lives as long as the part's records do.
      const data = bytes.subarray(keyAt + 4 + keyBytes, end);
      this.pending.push({ shardId: this.shardId, sequenceNumber, partitionKey, arrivalTime, data });
      at = end;
    }
    return bytes.subarray(at);
  }
}
