/**
 * Event files as one stream of records for `adstream produce`. Several files (the generator
 * writes impressions, clicks with conversions, and bid requests apart) are interleaved by event
 * time, as a live stream carries them: put one file after another, every file after the first
 * arrived an hour behind the watermark its predecessor had set, and most of its events were
 * counted late (29,484 of 36,254 for one hour of generated traffic) and left out of the windows.
 * Each file keeps its own order (mergeKeyed says where records without a usable time go).
 */
import { readRecordsFromFile } from '../events/files.ts';
import { MAX_RECORD_BYTES, type ProducerRecord } from './producer.ts';
import { placementOf } from './partitionKey.ts';

interface TimedRecord extends ProducerRecord {
  /** Undefined for a record that does not parse. */
  eventTime?: number;
}

/**
 * How far a record's event time may jump from its neighbours' in its file before it is taken for
 * a clock error rather than the file's time: a producer a year ahead (rejected downstream as
 * event_time_in_future) would otherwise hold its whole file back behind the others.
 */
const OUTLIER_MS = 3_600_000;

/** A file's records with their partition keys (the campaign) and event times. */
async function* timedRecords(path: string): AsyncGenerator<TimedRecord> {
  for await (const data of readRecordsFromFile(path)) yield { data, ...placementOf(data) };
}

/**
 * A file's records, each with the time it is merged at: its event time, except for a record
 * without one (it keeps its place behind the record before it) and a lone jump, far from both the
 * record before it and the one after (it keeps its place too). A jump the next record follows is
 * the file's own time moving on.
 */
async function* mergeKeyed(records: AsyncGenerator<TimedRecord>): AsyncGenerator<{ record: ProducerRecord; at: number }> {
  const far = (a: number | undefined, b: number | undefined): boolean => a !== undefined && b !== undefined && Math.abs(a - b) > OUTLIER_MS;
  let before: number | undefined;
  let current = await records.next();
  let after = await records.next();
  while (!current.done) {
    const time = current.value.eventTime;
    const following = after.done ? undefined : after.value.eventTime;
    const lone = before === undefined ? far(time, following) : far(time, before) && !far(following, before);
    const at = time === undefined || lone ? (before ?? following ?? Number.NEGATIVE_INFINITY) : time;
    // The time it is merged at is the one it keeps its requests by (producer.ts, maxOutOfOrdernessMs).
    yield { record: { data: current.value.data, partitionKey: current.value.partitionKey, eventTime: Number.isFinite(at) ? at : undefined }, at };
    before = at;
    [current, after] = [after, after.done ? after : await records.next()];
  }
}

/** The records of `paths`, interleaved by event time (ties: the earlier file first). */
export async function* recordsOfFiles(paths: readonly string[]): AsyncGenerator<ProducerRecord> {
  const sources = paths.map((path) => mergeKeyed(timedRecords(path)));
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let next = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (!head.done && (next < 0 || head.value.at < (heads[next].value as { at: number }).at)) next = i;
    }
    if (next < 0) return;
    yield (heads[next].value as { record: ProducerRecord }).record;
    heads[next] = await sources[next].next();
  }
}

/**
 * Why a file cannot be put whole, found before anything is put: a record Kinesis refuses (over
 * 1 MiB with its partition key). Found while putting, it stopped the put half-way, the records
 * before it on the stream and the ones after it not.
 */
export async function oversizedRecordProblem(path: string): Promise<string | undefined> {
  let index = 0;
  for await (const { data, partitionKey } of timedRecords(path)) {
    index += 1;
    const size = data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
    if (size > MAX_RECORD_BYTES) return `${path}: record ${index} is ${size} bytes with its partition key, and Kinesis takes at most ${MAX_RECORD_BYTES} (1 MiB) a record; nothing was put.`;
  }
  return undefined;
}
