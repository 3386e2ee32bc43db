/**
 * The partial windows each shard fires, as a log the stream-wide window merge reads: one object
 * per commit unit, written before the unit's checkpoint moves, under
 * `partials/<stream>/<shard>/<position>.json`. The position is the unit's first sequence number
 * (zero-padded, so keys sort in shard order), and a unit re-cut after a crash has the same bounds
 * (its pending range) and so the same key and contents: the merge reads each key once.
 */
import type { AlertEvent } from '../../detectors/types.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { ClosedWindow } from '../pipeline/eventTimeWindows.ts';
import { WindowAccumulator, type WindowSnapshot } from '../pipeline/windowAccumulator.ts';

export interface ShardPartials {
  version: 1;
  shardId: string;
  /** The shard's watermark after the unit. */
  watermark: number | null;
  /** Newest arrival time of the unit's records: the merge's clock for idleness. */
  arrivalTime: number | null;
  /** The shard had caught up with its tip: a silence after this unit is idleness, not a backlog. */
  caughtUp: boolean;
  /** The shard ended (or a bounded run did): it holds nothing back any more. */
  final: boolean;
  windows: { window: WindowSnapshot; watermark: number }[];
  /**
   * The unit's alerts on the shard's quality (group `stream`), each alone: the merge notifies them
   * with the stream-wide alerts and every other shard's of their window (streamNotifications.ts),
   * and the shard does not send them itself. Absent from units of versions before, which sent them.
   */
  alerts?: AlertEvent[];
}

/** Kinesis sequence numbers are decimal strings of up to 128 digits. */
const SEQUENCE_DIGITS = 128;

/**
 * Key position of a unit: its first sequence number, or for a closing flush with no records the
 * one it follows, suffixed `~final`. `~` sorts after the `.` of `.json`, so the flush comes after
 * a one-record unit whose first sequence number is the one it follows (`-` sorted it before, and
 * the merge, which skips keys at or before the last it consumed, dropped it unmerged).
 */
export function partialsPosition(firstSequenceNumber: string | undefined, after: string | undefined): string {
  return firstSequenceNumber ? firstSequenceNumber.padStart(SEQUENCE_DIGITS, '0') : `${(after ?? '0').padStart(SEQUENCE_DIGITS, '0')}~final`;
}

export const toPartials = (windows: readonly ClosedWindow[]): ShardPartials['windows'] =>
  windows.map(({ window, watermark }) => ({ window: window.snapshot(), watermark }));

export const fromPartials = (partials: ShardPartials): ClosedWindow[] =>
  partials.windows.map(({ window, watermark }) => ({ window: WindowAccumulator.restore(window), watermark }));

/**
 * Key position of a shard's caught-up marker: no records, written the first time a worker finds
 * the shard at its tip with nothing to commit, after the last committed unit (its checkpoint, or
 * `0` before any). The merge holds the stream's windows for a shard until it has heard from it,
 * so a shard that never receives a record must say it is there and quiet. `~caught` sorts after
 * that unit's key and before a closing flush at the same position (`~final`).
 */
export const caughtUpPosition = (after: string | undefined): string => `${(after ?? '0').padStart(SEQUENCE_DIGITS, '0')}~caught`;

/** The caught-up marker itself: nothing merged, no time learned, only "caught up, not ended". */
export const caughtUpMarker = (shardId: string): ShardPartials => ({ version: 1, shardId, watermark: null, arrivalTime: null, caughtUp: true, final: false, windows: [] });

/** A log key's position: the sequence number in its name, without a marker's suffix (`~final`, `~caught`). */
const positionOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1).replace(/(~[a-z]+)?\.json$/, '');

/**
 * Whether `key`, one the merge has consumed already, can be a later run reporting an ended shard
 * again: the key the shard ended at (`last`, the last consumed), or a closing flush or caught-up
 * marker at its position, which is where a later run that finds nothing new writes. Any other is
 * a leftover of a step stopped while it deleted what it had merged (a worker killed there): the
 * shard's earlier units, which say nothing new. Taken for a report, the first of them put an
 * ended shard back into the watermark at its own, and the stream's windows after it never fired.
 */
export const reportsAgain = (key: string, last: string): boolean => key === last || (/~[a-z]+\.json$/.test(key) && positionOf(key) === positionOf(last));

export class PartialLog {
  constructor(
    private readonly store: ObjectStore,
    private readonly stream: string,
  ) {}

  private get prefix(): string {
    return `partials/${this.stream}/`;
  }

  /** The key a shard's partials at `position` are stored under (what list() returns, read() takes). */
  keyOf(shardId: string, position: string): string {
    return `${this.prefix}${shardId}/${position}.json`;
  }

  async write(partials: ShardPartials, position: string): Promise<void> {
    await this.store.put(this.keyOf(partials.shardId, position), Buffer.from(JSON.stringify(partials)));
  }

  /** Every key in the log, per shard, in shard order. */
  async list(): Promise<Map<string, string[]>> {
    const byShard = new Map<string, string[]>();
    for (const key of await this.store.list(this.prefix)) {
      const shardId = key.slice(this.prefix.length).split('/')[0];
      let keys = byShard.get(shardId);
      if (!keys) byShard.set(shardId, (keys = []));
      keys.push(key);
    }
    for (const keys of byShard.values()) keys.sort();
    return byShard;
  }

  async read(key: string): Promise<ShardPartials | undefined> {
    const body = await this.store.get(key);
    return body ? (JSON.parse(Buffer.from(body).toString('utf8')) as ShardPartials) : undefined;
  }

  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }
}
