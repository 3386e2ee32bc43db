/**
 * The same job written as one hand-rolled loop, as a yardstick for the pipeline's overhead:
 * decode by format (JSON.parse, split(','), avsc after the 10-byte single-object header), check
 * the fields the aggregation needs, dedupe with a Map, count per minute per campaign, close
 * minutes behind the same watermark. No per-record result objects, no full-schema validation,
 * no per-type totals, quality metrics or detector.
 */
import { fieldSpecs, avroTypes } from '../../stream/events/schemas.ts';
import { fingerprintBytesLE, schemaFingerprint } from '../../stream/events/crc64avro.ts';
import type { RecordBatch } from '../../stream/pipeline/batch.ts';
import { BENCH_SETTINGS, type PassTotals } from './pipeline.ts';

const bidType = avroTypes.bid_request;
const bidFingerprint = fingerprintBytesLE(schemaFingerprint(bidType));
const CSV_COLUMNS = { click: fieldSpecs.click.length + 1, conversion: fieldSpecs.conversion.length + 1 };
const HEADER = 10;

interface Fields {
  id: unknown;
  time: unknown;
  campaign: unknown;
  money: unknown;
}

function decode(buf: Buffer): Fields | undefined {
  if (buf[0] === 0xc3 && buf[1] === 0x01) {
    if (buf.length < HEADER || !buf.subarray(2, HEADER).equals(bidFingerprint)) return undefined;
    try {
      const r = bidType.fromBuffer(buf.subarray(HEADER)) as Record<string, unknown>;
      return { id: r.event_id, time: r.event_time, campaign: r.campaign_id, money: r.bid_price_micros };
    } catch {
      return undefined;
    }
  }
  if (buf[0] === 0x7b) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    return o && typeof o === 'object' ? { id: o.event_id, time: o.event_time, campaign: o.campaign_id, money: o.cost_micros } : undefined;
  }
  const cells = buf.toString('utf8').split(',');
  const type = cells[0];
  if ((type !== 'click' && type !== 'conversion') || cells.length !== CSV_COLUMNS[type]) return undefined;
  return { id: cells[1], time: Number(cells[2]), campaign: cells[3], money: Number(cells[cells.length - 1]) };
}

export function runPlainLoop(batches: RecordBatch[]): PassTotals {
  const { windowMs, maxOutOfOrdernessMs, dedupeHorizonMs, maxFutureSkewMs } = BENCH_SETTINGS;
  const totals: PassTotals = { valid: 0, rejected: 0, duplicates: 0, late: 0, outputs: 0, alerts: 0 };
  const seen = new Map<string, number>();
  const open = new Map<number, Map<string, number>>();
  let newest = -Infinity;
  let evictedUpTo = -Infinity;
  for (const batch of batches) {
    for (const record of batch.records) {
      const data = record.data;
      const f = decode(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      if (
        !f ||
        typeof f.id !== 'string' || f.id === '' ||
        typeof f.campaign !== 'string' || f.campaign === '' ||
        typeof f.time !== 'number' || !Number.isSafeInteger(f.time) || f.time > record.arrivalTime + maxFutureSkewMs ||
        typeof f.money !== 'number' || !(f.money >= 0)
      ) {
        totals.rejected += 1;
        continue;
      }
      if (seen.has(f.id)) {
        totals.duplicates += 1;
        continue;
      }
      seen.set(f.id, f.time);
      const minute = f.time - (f.time % windowMs);
      const late = minute + windowMs <= newest - maxOutOfOrdernessMs;
      if (f.time > newest) newest = f.time;
      if (late) {
        totals.late += 1;
        continue;
      }
      totals.valid += 1;
      let counters = open.get(minute);
      if (!counters) open.set(minute, (counters = new Map()));
      counters.set(f.campaign, (counters.get(f.campaign) ?? 0) + 1);
    }
    const cutoff = newest - dedupeHorizonMs;
    if (cutoff - evictedUpTo >= dedupeHorizonMs / 10) {
      for (const [id, time] of seen) if (time < cutoff) seen.delete(id);
      evictedUpTo = cutoff;
    }
    const watermark = newest - maxOutOfOrdernessMs;
    for (const [minute, counters] of open) {
      if (minute + windowMs > watermark) continue;
      totals.outputs += counters.size;
      open.delete(minute);
    }
  }
  for (const counters of open.values()) totals.outputs += counters.size;
  return totals;
}
