/**
 * A commit unit as its parts (one GetRecords result each, or one replayed chunk) are processed
 * in order: the lake rows it will write (spilled to local disk past a memory budget), the window
 * metrics and alerts it fired, and the counts that account for every record it read. The raw
 * records themselves are not kept, so a unit's size is bounded by the lake files wanted, not by
 * the worker's memory.
 *
 * Processing part by part gives the same rows, windows and alerts as processing the unit whole:
 * dedupe and lateness are decided per record, and a window fires once, whichever part moves the
 * watermark past it.
 */
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { EventRow, LakeTables, RejectedRow } from '../../sinks/lake/lakeTables.ts';
import { UnitRows, type SpillOptions } from '../../sinks/lake/unitRows.ts';
import type { SourceRecord } from '../pipeline/batch.ts';
import { hashKeyOf } from '../kpl/hashKey.ts';
import { sliceWholeCharacters } from '../events/textCut.ts';
import type { ProcessedBatch } from '../pipeline/processBatch.ts';
import type { ClosedWindow } from '../pipeline/eventTimeWindows.ts';
import type { CommittedWork } from '../pipeline/operationalMetrics.ts';

type RecordPosition = Pick<SourceRecord, 'sequenceNumber' | 'subSequenceNumber'>;
const positionOf = ({ sequenceNumber, subSequenceNumber }: SourceRecord): RecordPosition => ({ sequenceNumber, subSequenceNumber });

/** What a row holds in memory besides its record's bytes: its object, positions, reason and stream. */
const ROW_OVERHEAD_BYTES = 128;

/** The longest partition key Kinesis takes (PutRecords refuses a longer one). */
const MAX_PARTITION_KEY_LENGTH = 256;

function rejectedRows(processed: ProcessedBatch): RejectedRow[] {
  // A KPL sub-record's key comes from its aggregate's key table, which nothing bounds, and every
  // sub-record's row repeats it: one 300 KB record (a 20,000-character key, 40,000 one-byte
  // sub-records) made 800 MB of DLQ rows, past V8's longest string, and the worker exited 1
  // ("Invalid string length") at every restart, never past that record. Kinesis refuses such a key
  // and would route the record by its MD5, its hash key (`dlq replay` puts it back by that hash key
  // under a stand-in key), so the row keeps the hash key and the key's first 256 characters.
  const hashKeys = new Map<string, string>();
  return processed.rejected.map(({ record, rejection }) => {
    let partitionKey = record.partitionKey;
    let explicitHashKey = record.explicitHashKey ?? null;
    if (partitionKey.length > MAX_PARTITION_KEY_LENGTH) {
      if (explicitHashKey === null) {
        explicitHashKey = hashKeys.get(partitionKey) ?? hashKeyOf(partitionKey).toString();
        hashKeys.set(partitionKey, explicitHashKey);
      }
      partitionKey = sliceWholeCharacters(partitionKey, MAX_PARTITION_KEY_LENGTH);
    }
    return {
      reason: rejection.reason,
      detail: rejection.detail,
      stream: processed.batch.stream,
      shard_id: record.shardId,
      sequence_number: record.sequenceNumber,
      sub_sequence_number: record.subSequenceNumber ?? null,
      partition_key: partitionKey,
      explicit_hash_key: explicitHashKey,
      arrival_time: record.arrivalTime,
      raw_base64: Buffer.from(record.data).toString('base64'),
    };
  });
}

/** What one processed part adds up to: records, bytes, outcomes, event times. */
function partWork(processed: ProcessedBatch): CommittedWork {
  const writtenByType: Record<string, number> = {};
  // A loop, not events.map(): the callback's return boxed each event time (a heap double).
  const eventTimes = new Array<number>(processed.events.length);
  for (let i = 0; i < processed.events.length; i++) {
    const event = processed.events[i];
    writtenByType[event.type] = (writtenByType[event.type] ?? 0) + 1;
    eventTimes[i] = event.body.event_time;
  }
  return {
    stream: processed.batch.stream,
    recordsIn: processed.batch.records.length,
    bytesIn: processed.batch.records.reduce((sum, record) => sum + record.data.byteLength, 0),
    rejected: processed.rejected.length,
    duplicates: processed.duplicates,
    late: processed.late,
    writtenByType,
    eventTimes,
  };
}

export class CommitUnit {
  readonly rows: UnitRows;
  /** Position of the first and last user record (after KPL deaggregation) of the unit; no data kept. */
  first: RecordPosition | undefined;
  last: RecordPosition | undefined;
  recordsIn = 0;
  bytesIn = 0;
  written = 0;
  rejected = 0;
  readonly rejectedByReason: Record<string, number> = {};
  duplicates = 0;
  late = 0;
  readonly writtenByType: Record<string, number> = {};
  /**
   * Event time of each written event: the delay to durable write is known only at commit. Kept as
   * the parts' own arrays and joined when read (once, at the worker's commit; replay takes each
   * part's from `add`): copied into one array as they came, its growth was 24 bytes an event.
   */
  private readonly partEventTimes: number[][] = [];
  get eventTimes(): number[] {
    return this.partEventTimes.flat();
  }
  readonly metrics: MetricEvent[] = [];
  /** The windows the unit fired, as mergeable partials (for the stream-wide merge). */
  readonly windows: ClosedWindow[] = [];
  readonly alerts: AlertEvent[] = [];
  newestArrivalTime = -Infinity;
  newestWatermark = -Infinity;

  constructor(
    private readonly lake: LakeTables,
    readonly stream: string,
    readonly shardId: string,
    spill?: SpillOptions,
  ) {
    this.rows = new UnitRows(spill);
  }

  /** A unit of one processed batch, held in memory (replays and tests). */
  static async of(lake: LakeTables, processed: ProcessedBatch): Promise<CommitUnit> {
    const unit = new CommitUnit(lake, processed.batch.stream, processed.batch.shardId);
    await unit.add(processed);
    return unit;
  }

  /** Adds a processed part; returns what the part alone adds up to (for operational metrics). */
  async add(processed: ProcessedBatch): Promise<CommittedWork> {
    const { records } = processed.batch;
    if (records.length > 0) {
      this.first ??= positionOf(records[0]);
      this.last = positionOf(records[records.length - 1]);
    }
    for (const record of records) if (record.arrivalTime > this.newestArrivalTime) this.newestArrivalTime = record.arrivalTime;
    const work = partWork(processed);
    this.recordsIn += work.recordsIn;
    this.bytesIn += work.bytesIn;
    for (const [type, n] of Object.entries(work.writtenByType)) this.writtenByType[type] = (this.writtenByType[type] ?? 0) + n;
    this.partEventTimes.push(work.eventTimes);
    // One pass over the events, each row straight to its table's group, record order kept: no
    // array of each type's rows in between (a filter per type walked the events four times).
    for (const event of processed.events) this.rows.addRow(this.lake.events[event.type], event.body as unknown as EventRow);
    this.rows.add(this.lake.rejected, rejectedRows(processed));
    this.written += processed.events.length;
    this.rejected += processed.rejected.length;
    for (const { rejection } of processed.rejected) this.rejectedByReason[rejection.reason] = (this.rejectedByReason[rejection.reason] ?? 0) + 1;
    this.duplicates += processed.duplicates;
    this.late += processed.late;
    this.metrics.push(...processed.metrics);
    this.windows.push(...processed.windows);
    this.alerts.push(...processed.alerts);
    if (processed.watermark > this.newestWatermark) this.newestWatermark = processed.watermark;
    // The raw bytes stand in for the rows' size (a row costs about its record's JSON in memory),
    // plus what every row holds besides: a producer's empty KPL sub-records have no bytes, and a
    // unit of 3.4 million of them never spilled and grew a worker to 3.6 GB.
    await this.rows.hold(work.bytesIn + ROW_OVERHEAD_BYTES * work.recordsIn);
    return work;
  }

  /** Removes spill files; the unit is done with (written, or abandoned after a lost lease). */
  discard(): Promise<void> {
    return this.rows.discard();
  }
}
