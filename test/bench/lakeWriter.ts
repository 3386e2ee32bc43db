/**
 * Lake writer throughput: the same 200k impression rows written through the lake's
 * PartitionedTable (Hive partitions, one object per batch of 10k rows per partition) to a local
 * directory and to s3rver, for each Parquet encoder. Beside each: the encoder alone on the same
 * rows in the same run, so the cost of partitioning and storing shows separately.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { s3Client } from '../../stream/aws/clients.ts';
import { fieldSpecs } from '../../stream/events/schemas.ts';
import { startLocalServices } from '../../stream/local/embeddedServices.ts';
import { PartitionedTable, type WrittenFile } from '../../sinks/lake/partitionedTable.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import { S3Store } from '../../sinks/objectStore/s3Store.ts';
import { createParquetEncoder, PARQUET_ENCODERS } from '../../sinks/parquet/encoder.ts';
import { benchImpressions } from './parquet.ts';

export interface LakeWriterRow {
  encoder: string;
  target: string;
  rowsPerSec: number;
  mbPerSec: number;
  files: number;
  bytes: number;
}

const BATCH = 10_000;
type Row = Record<string, unknown> & { event_time: number };

async function writeAll(store: ObjectStore, encoderName: (typeof PARQUET_ENCODERS)[number], rows: Row[]): Promise<{ seconds: number; files: WrittenFile[] }> {
  const encoder = createParquetEncoder(encoderName);
  const table = new PartitionedTable<Row>(store, encoder, 'impression', fieldSpecs.impression, (row) => row.event_time);
  const files: WrittenFile[] = [];
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) files.push(...(await table.write(`bench-${i}`, rows.slice(i, i + BATCH))));
  const seconds = (performance.now() - started) / 1_000;
  await encoder.close?.();
  return { seconds, files };
}

export async function benchLakeWriter(rowCount = 200_000, log: (message: string) => void = () => undefined): Promise<LakeWriterRow[]> {
  const rows = benchImpressions(rowCount) as Row[];
  const services = await startLocalServices({ buckets: ['bench-lake'] });
  const dir = await mkdtemp(join(tmpdir(), 'adstream-bench-lake-'));
  const s3 = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
  const results: LakeWriterRow[] = [];
  try {
    for (const encoder of PARQUET_ENCODERS) {
      for (const [target, store] of [
        ['local directory', new LocalDirStore(join(dir, encoder))],
        ['s3rver', new S3Store(s3, 'bench-lake', `${encoder}/`)],
      ] as const) {
        log(`lake writer: ${encoder} → ${target} ...`);
        const { seconds, files } = await writeAll(store, encoder, rows);
        const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
        results.push({ encoder, target, rowsPerSec: rows.length / seconds, mbPerSec: bytes / 1e6 / seconds, files: files.length, bytes });
      }
    }
  } finally {
    s3.destroy();
    await services.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

export function lakeWriterSection(results: LakeWriterRow[], rowCount: number): string {
  return [
    '',
    '## Lake writer (test/bench/lakeWriter.ts)',
    '',
    `${rowCount.toLocaleString('en-US')} impression rows through PartitionedTable (Hive dt/hour partitions, one object per ${BATCH.toLocaleString('en-US')}-row batch and partition), to a local directory and to s3rver in-process (whose own CPU time is charged to the writer).`,
    '',
    '| encoder | target | rows/s | MB/s written | objects | bytes |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.encoder} | ${r.target} | ${Math.round(r.rowsPerSec).toLocaleString('en-US')} | ${r.mbPerSec.toFixed(2)} | ${r.files} | ${r.bytes.toLocaleString('en-US')} |`),
    '',
  ].join('\n');
}
