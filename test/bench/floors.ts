/**
 * Reference passes over the same bytes: JSON.parse alone over the JSON records (the cheapest
 * thing any JSON consumer must do: a floor), and the pipeline's decodeRecord alone over every
 * record (decode + full validation, without dedupe, windows or detector).
 */
import { decodeRecord } from '../../stream/events/wire.ts';
import type { RecordBatch } from '../../stream/pipeline/batch.ts';
import { BENCH_SETTINGS } from './pipeline.ts';

/** Records whose first byte opens a JSON value, as Buffers ready for toString. */
export function jsonRecords(batches: RecordBatch[]): Buffer[] {
  const out: Buffer[] = [];
  for (const batch of batches) {
    for (const { data } of batch.records) {
      if (data[0] === 0x7b || data[0] === 0x5b) out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  return out;
}

export function runJsonParse(records: Buffer[]): number {
  let parsed = 0;
  for (const buf of records) {
    try {
      if (JSON.parse(buf.toString('utf8')) !== null) parsed += 1;
    } catch {
      // truncated objects (malformed records) cost a throw, as they would anywhere
    }
  }
  return parsed;
}

export function runDecodeOnly(batches: RecordBatch[]): number {
  let ok = 0;
  for (const batch of batches) {
    for (const record of batch.records) {
      if (decodeRecord(record.data, { arrivalTime: record.arrivalTime, maxFutureSkewMs: BENCH_SETTINGS.maxFutureSkewMs }).ok) ok += 1;
    }
  }
  return ok;
}
