/**
 * Writes rows of one lake table as Parquet files under Hive-style partitions:
 * `<table>/dt=YYYY-MM-DD/hour=HH/<file name>.parquet`, or with a leading partition
 * `<table>/<key>=<value>/dt=YYYY-MM-DD/hour=HH/<file name>.parquet` (the DLQ's reason class).
 *
 * The file name is given by the caller and must be deterministic from the source position
 * (stream, shard, first sequence number of the batch): re-processing a batch after a crash then
 * overwrites the same objects instead of adding duplicates (the Kafka Connect S3 sink's rule).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import { entryCount, longRowCount, longRows, type LongForm, type ParquetEncoder } from '../parquet/encoder.ts';
import type { ObjectStore } from '../objectStore/objectStore.ts';

export interface WrittenFile {
  key: string;
  rows: number;
  bytes: number;
  /** SHA-256 of the object, base64: what the lineage log and readers check integrity with. */
  sha256: string;
}

const HOUR_MS = 3_600_000;

/** `dt=2026-11-01/hour=07` for an epoch-ms time, in UTC. */
export function hourPartition(time: number): string {
  const hour = Math.floor(time / HOUR_MS);
  // Rows of a batch nearly all share an hour: formatting a Date per row was a measurable share of a replay.
  if (hour === lastHour) return lastPartition;
  const iso = new Date(hour * HOUR_MS).toISOString();
  lastHour = hour;
  lastPartition = `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
  return lastPartition;
}
let lastHour = Number.NaN;
let lastPartition = '';

/** A partition level before dt/hour, whose values are a closed set (Athena projects them as an enum). */
export interface LeadingPartition<Row> {
  /** Hive key. Not a column of the files: Hive readers (DuckDB) let the folder value shadow it. */
  key: string;
  values: readonly string[];
  of: (row: Row) => string;
}

export class PartitionedTable<Row extends Record<string, unknown>> {
  constructor(
    private readonly store: ObjectStore,
    private readonly encoder: ParquetEncoder,
    readonly table: string,
    readonly fields: FieldSpec[],
    private readonly partitionTime: (row: Row) => number,
    readonly leading?: LeadingPartition<Row>,
    /** Rows come in wide form and are stored in long form (encoder.ts: LongForm). */
    readonly longForm?: LongForm,
  ) {
    if (leading && fields.some((field) => field.name === leading.key)) {
      throw new TypeError(`${table}: partition key ${leading.key} is also a column`);
    }
  }

  /** `dt=…/hour=…`, after the leading partition if the table has one. */
  partitionOf(row: Row): string {
    const hour = hourPartition(this.partitionTime(row));
    if (!this.leading) return hour;
    const value = this.leading.of(row);
    if (!this.leading.values.includes(value)) throw new RangeError(`${this.table}: ${this.leading.key}=${value} is not one of its values`);
    return `${this.leading.key}=${value}/${hour}`;
  }

  async write(fileName: string, rows: Row[]): Promise<WrittenFile[]> {
    const byPartition = new Map<string, Row[]>();
    const form = this.longForm;
    for (const row of rows) {
      // A wide row without entries has no rows in long form: a partition of only such rows has no file.
      if (form && entryCount(row, form) === 0) continue;
      const partition = this.partitionOf(row);
      let group = byPartition.get(partition);
      if (!group) byPartition.set(partition, (group = []));
      group.push(row);
    }
    const written: WrittenFile[] = [];
    for (const [partition, group] of [...byPartition].sort(([a], [b]) => (a < b ? -1 : 1))) {
      written.push(await this.writePartition(partition, fileName, group));
    }
    return written;
  }

  private keyOf(partition: string, fileName: string): string {
    return `${this.table}/${partition}/${fileName}.parquet`;
  }

  /** One file of rows that all belong to `partition`. */
  async writePartition(partition: string, fileName: string, rows: Row[]): Promise<WrittenFile> {
    const body = await this.encode(rows);
    const key = this.keyOf(partition, fileName);
    await this.store.put(key, body);
    return { key, rows: this.longForm ? longRowCount(rows, this.longForm) : rows.length, bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('base64') };
  }

  /** The rows as Parquet; wide rows in their long form, built by the encoder if it can. */
  private encode(rows: Row[]): Promise<Uint8Array> {
    const form = this.longForm;
    if (!form) return this.encoder.encode(this.fields, rows);
    if (this.encoder.encodeLong) return this.encoder.encodeLong(this.fields, rows, form);
    return this.encoder.encode(this.fields, longRows(rows, form));
  }

  /**
   * One file of a partition's rows spilled to disk as JSON lines. With an encoder that reads the
   * spill itself (direct, DuckDB), neither the rows nor the encoded file are ever held in memory whole;
   * otherwise the partition's rows are read back and encoded as usual.
   */
  async writeSpilledPartition(partition: string, fileName: string, spill: { path: string; rows: number }): Promise<WrittenFile> {
    // Spills hold the rows as given; nothing spills wide rows (the metrics table is written whole).
    if (this.longForm) throw new TypeError(`${this.table}: rows in wide form cannot be spilled`);
    if (!this.encoder.encodeFile) {
      const lines = (await readFile(spill.path, 'utf8')).split('\n').filter(Boolean);
      return this.writePartition(partition, fileName, lines.map((line) => JSON.parse(line) as Row));
    }
    const parquet = `${spill.path}.parquet`;
    try {
      await this.encoder.encodeFile(this.fields, spill.path, parquet);
      const key = this.keyOf(partition, fileName);
      await this.store.putFile(key, parquet);
      return { key, rows: spill.rows, ...(await digestOf(parquet)) };
    } finally {
      await rm(parquet, { force: true });
    }
  }
}

async function digestOf(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: hash.digest('base64') };
}
