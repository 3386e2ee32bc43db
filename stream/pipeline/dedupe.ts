/**
 * Dedupe by event id within a horizon of event time, in bounded memory.
 *
 * Producer retries repeat an event (same id, same event time) shortly after the original, and
 * the partition key (campaign id) sends both to the same shard, so a per-shard set is exact.
 * Ids are kept as hashes in one table (taggedIdTable.ts), each tagged with its event-time bucket
 * (a quarter of the horizon); a bucket is dropped whole once it falls more than the horizon
 * behind the newest event time, so memory is bounded by traffic rate × horizon × ≤ 16 bytes, with
 * no scan per record. Expiry is decided per record, so the outcome does not depend on how
 * records were batched. An event already older than the horizon is passed and not remembered.
 *
 * Snapshots are incremental. The first holds every id inline; once a state store has saved one
 * (`saved`), the next names the segments it was saved as and carries inline only the ids taken in
 * since (kept in a journal until then), so a checkpoint costs what changed rather than the whole
 * horizon. A bucket that gathers more than MAX_SEGMENTS segments is written whole again, which
 * bounds what a restore reads; no segment holds more than SEGMENT_IDS ids.
 *
 * Collisions: two different ids with the same 61-bit hash make the second a false duplicate.
 * With n ids inside the horizon a new id collides with probability n / 2^61: 4.3e-12 at
 * n = 10M, i.e. about one lost event in 2·10^11 at that size. That is the price of 8 bytes per id
 * instead of the id itself; it is far below the rate of anything else that loses data.
 */
import { hash64Into, type Hash64 } from './aggregates/hash64.ts';
import { floorTo } from './eventTimeWindows.ts';
import { IdJournal } from './idJournal.ts';
import { MAX_TAG, TaggedIdTable } from './taggedIdTable.ts';

/**
 * A bucket's ids in one segment: inline, or saved by a state store under a key (with the bytes
 * attached once loaded). Ids are (hi, lo) little-endian uint32 pairs, base64 when inline.
 */
export type DedupeSegment = { ids: string } | { saved: string; bytes?: Uint8Array };

export interface DedupeSnapshot {
  format: 3;
  horizonMs: number;
  bucketMs: number;
  newestEventTime: number | null;
  /** Each live bucket's ids: segments a store has already saved, then new ones inline. */
  buckets: { start: number; segments: DedupeSegment[] }[];
}

/** The format before segments (one inline string per bucket); still restored. */
interface DedupeSnapshotV2 {
  format: 2;
  horizonMs: number;
  bucketMs: number;
  newestEventTime: number | null;
  buckets: { start: number; ids: string }[];
}

export const BUCKETS_PER_HORIZON = 4;
/** Most ids in one inline segment (8 MB of them): a saved object stays a size a store handles in one put. */
export const SEGMENT_IDS = 1 << 20;
/** Most saved segments per bucket; a bucket with more is written whole again, as one set of segments. */
export const MAX_SEGMENTS = 32;
const scratch: Hash64 = { hi: 0, lo: 0 };
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Deduplicator {
  private readonly ids = new TaggedIdTable();
  /** Live buckets: start of the bucket's event time → its tag in the table. */
  private readonly tags = new Map<number, number>();
  private newestEventTime = -Infinity;
  /** Newest event time at which the oldest bucket expires; avoids looking at buckets per record. */
  private nextExpiry = Infinity;
  private readonly bucketMs: number;
  /** Ids taken in since the last saved snapshot; null before the first snapshot (nothing asks for them). */
  private journal: IdJournal | null = null;
  /**
   * Per live bucket, the keys of the saved segments that hold its ids up to the journal's base;
   * null while no snapshot of this dedupe has been saved, and every snapshot is whole.
   */
  private savedSegments: Map<number, string[]> | null = null;
  /** How far into the journal each snapshot reached, so `saved` knows what a saved one covers. */
  private readonly reached = new WeakMap<DedupeSnapshot, number>();

  constructor(private readonly horizonMs: number) {
    if (!(horizonMs > 0)) throw new RangeError(`dedupe horizon must be positive, not ${horizonMs} ms`);
    this.bucketMs = Math.max(1, Math.ceil(horizonMs / BUCKETS_PER_HORIZON));
  }

  /** True the first time an event id is seen within the horizon; false for a duplicate. */
  firstSighting(eventId: string, eventTime: number): boolean {
    const { hi, lo } = hash64Into(eventId, scratch);
    if (this.ids.has(hi, lo)) return false;
    if (eventTime > this.newestEventTime) {
      this.newestEventTime = eventTime;
      if (eventTime >= this.nextExpiry) this.expire();
    }
    const start = floorTo(eventTime, this.bucketMs);
    if (this.expired(start)) return true;
    this.ids.addAbsent(hi, lo, this.tagOf(start));
    this.journal?.push(hi, lo, start);
    return true;
  }

  /** Whether a hashed id is remembered, without recording anything (funnel attribution asks). */
  seenHash(hi: number, lo: number): boolean {
    return this.ids.has(hi, lo);
  }

  private expired(start: number): boolean {
    return start + this.bucketMs + this.horizonMs <= this.newestEventTime;
  }

  /**
   * The tag of the bucket starting at `start`, given one if it has none. Live buckets span at most
   * the horizon plus one bucket behind the newest event time, BUCKETS_PER_HORIZON + 1 of them, so
   * the table's seven tags are enough.
   */
  private tagOf(start: number): number {
    const known = this.tags.get(start);
    if (known !== undefined) return known;
    const used = new Set(this.tags.values());
    let tag = 1;
    while (used.has(tag)) tag += 1;
    if (tag > MAX_TAG) throw new Error(`dedupe has ${this.tags.size} live buckets; at most ${MAX_TAG} fit in its table`);
    this.tags.set(start, tag);
    this.nextExpiry = Math.min(this.nextExpiry, start + this.bucketMs + this.horizonMs);
    return tag;
  }

  private expire(): void {
    this.nextExpiry = Infinity;
    let dropped = 0;
    for (const [start, tag] of this.tags) {
      if (this.expired(start)) {
        dropped |= 1 << tag;
        this.tags.delete(start);
        this.savedSegments?.delete(start);
      } else {
        this.nextExpiry = Math.min(this.nextExpiry, start + this.bucketMs + this.horizonMs);
      }
    }
    if (dropped !== 0) this.ids.dropTags(dropped);
  }

  /** Ids remembered. */
  get size(): number {
    return this.ids.size;
  }

  /** Bytes held by the hash table (the state that grows with traffic). */
  get bytes(): number {
    return this.ids.bytes;
  }

  /** Takes in another shard's ids (a child shard of a merge starts with both parents' state). */
  absorb(other: Deduplicator): void {
    // Expire first, so only buckets still live take a tag.
    if (other.newestEventTime > this.newestEventTime) {
      this.newestEventTime = other.newestEventTime;
      this.expire();
    }
    this.ids.reserve(this.ids.size + other.ids.size);
    const starts = new Map([...other.tags].map(([start, tag]) => [tag, start]));
    other.ids.forEach((hi, lo, tag) => {
      const start = starts.get(tag) as number;
      if (!this.expired(start) && this.ids.add(hi, lo, this.tagOf(start))) this.journal?.push(hi, lo, start);
    });
  }

  /**
   * A fresh value sharing nothing mutable with the live state (replay does not copy it). Once a
   * store has saved a snapshot of this dedupe (`saved`), later ones name its segments and carry
   * inline only the ids taken in since, so a checkpoint costs what changed, not the whole horizon;
   * `inline` asks for every id inline instead (a snapshot handed over in memory, with no store to
   * load segments from).
   */
  snapshot({ inline = false }: { inline?: boolean } = {}): DedupeSnapshot {
    const position = this.journal?.end ?? 0;
    const live = [...this.tags.keys()].sort((a, b) => a - b);
    const segments = inline || this.savedSegments === null ? this.wholeSegments(live) : this.incrementalSegments(live, position);
    const snapshot: DedupeSnapshot = {
      format: 3,
      horizonMs: this.horizonMs,
      bucketMs: this.bucketMs,
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      buckets: live.map((start) => ({ start, segments: segments.get(start) ?? [] })),
    };
    if (!inline) {
      this.journal ??= new IdJournal();
      // A whole snapshot holds every id so far: the journal need only follow from here.
      if (this.savedSegments === null) this.journal.restartAt(position);
      this.reached.set(snapshot, position);
    }
    return snapshot;
  }

  /**
   * A store saved `taken`, one of this dedupe's snapshots, as `persisted` (every segment named by
   * its key): later snapshots name those segments instead of writing their ids again. A snapshot
   * older than one already acknowledged changes nothing.
   */
  saved(taken: DedupeSnapshot, persisted: DedupeSnapshot): void {
    const position = this.reached.get(taken);
    if (position === undefined || this.journal === null || position < this.journal.base) return;
    const keys = new Map<number, string[]>();
    for (const { start, segments } of persisted.buckets) {
      if (!this.tags.has(start)) continue;
      keys.set(
        start,
        segments.map((segment) => {
          if (!('saved' in segment)) throw new Error(`dedupe bucket ${start}: a segment of the saved snapshot is still inline`);
          return segment.saved;
        }),
      );
    }
    this.journal.dropBefore(position);
    this.savedSegments = keys;
  }

  /** Every live bucket's ids, from the table, in segments of at most SEGMENT_IDS. */
  private wholeSegments(starts: number[]): Map<number, DedupeSegment[]> {
    // Each pass below reads the whole table: none at all when no bucket is wanted.
    if (starts.length === 0) return new Map();
    const wanted = new Map<number, number>();
    for (const [start, tag] of this.tags) if (starts.includes(start)) wanted.set(tag, start);
    const counts = new Map<number, number>();
    this.ids.forEach((_hi, _lo, tag) => {
      if (wanted.has(tag)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    });
    const pairs = new Map<number, { ids: Uint32Array; at: number }>();
    for (const [tag, count] of counts) pairs.set(tag, { ids: new Uint32Array(count * 2), at: 0 });
    this.ids.forEach((hi, lo, tag) => {
      const bucket = pairs.get(tag);
      if (!bucket) return;
      bucket.ids[bucket.at++] = hi;
      bucket.ids[bucket.at++] = lo;
    });
    return new Map([...wanted].map(([tag, start]) => [start, inlineSegments(pairs.get(tag)?.ids)]));
  }

  /** Saved segments plus the journal's ids up to `position`; a bucket past MAX_SEGMENTS is written whole. */
  private incrementalSegments(starts: number[], position: number): Map<number, DedupeSegment[]> {
    const saved = this.savedSegments as Map<number, string[]>;
    const fresh = new Map<number, number[]>();
    (this.journal as IdJournal).forEachUntil(position, (hi, lo, start) => {
      // Ids of a bucket that has expired since are not written.
      if (!this.tags.has(start)) return;
      let list = fresh.get(start);
      if (!list) fresh.set(start, (list = []));
      list.push(hi, lo);
    });
    const result = new Map<number, DedupeSegment[]>();
    const rewrite: number[] = [];
    for (const start of starts) {
      const keys = saved.get(start) ?? [];
      const added = inlineSegments(fresh.has(start) ? Uint32Array.from(fresh.get(start) as number[]) : undefined);
      if (keys.length + added.length > MAX_SEGMENTS) rewrite.push(start);
      else result.set(start, [...keys.map((key) => ({ saved: key })), ...added]);
    }
    for (const [start, segments] of this.wholeSegments(rewrite)) result.set(start, segments);
    return result;
  }

  /**
   * A dedupe from a snapshot: inline ids, or saved segments with their bytes attached (the state
   * store loads them). Restored from saved segments only, it goes on naming them in its snapshots.
   */
  static restore(snapshot: DedupeSnapshot | DedupeSnapshotV2): Deduplicator {
    if (snapshot.format !== 2 && snapshot.format !== 3) throw new Error(`dedupe snapshot format ${String((snapshot as { format: unknown }).format)} is not supported (expected 2 or 3); replay the shard from its start`);
    const dedupe = new Deduplicator(snapshot.horizonMs);
    if (dedupe.bucketMs !== snapshot.bucketMs) throw new Error(`dedupe snapshot buckets are ${snapshot.bucketMs} ms, expected ${dedupe.bucketMs} ms`);
    dedupe.newestEventTime = snapshot.newestEventTime ?? -Infinity;
    const buckets = snapshot.format === 2 ? snapshot.buckets.map(({ start, ids }) => ({ start, segments: [{ ids }] as DedupeSegment[] })) : snapshot.buckets;
    const loaded = buckets.map(({ start, segments }) => ({ start, segments: segments.map((segment) => ({ key: 'saved' in segment ? segment.saved : null, bytes: segmentBytes(start, segment) })) }));
    dedupe.ids.reserve(loaded.reduce((sum, { segments }) => sum + segments.reduce((n, { bytes }) => n + Math.floor(bytes.length / 8), 0), 0));
    const keys = new Map<number, string[]>();
    let allSaved = true;
    for (const { start, segments } of loaded) {
      if (dedupe.expired(start)) continue;
      const tag = dedupe.tagOf(start);
      for (const { key, bytes } of segments) {
        const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let at = 0; at + 8 <= bytes.length; at += 8) dedupe.ids.add(data.getUint32(at, true), data.getUint32(at + 4, true), tag);
        if (key === null) allSaved = false;
        else keys.set(start, [...(keys.get(start) ?? []), key]);
      }
    }
    if (allSaved) {
      dedupe.savedSegments = keys;
      dedupe.journal = new IdJournal();
    }
    return dedupe;
  }
}

/** A segment's bytes: decoded when inline, attached by the store when saved. */
function segmentBytes(start: number, segment: DedupeSegment): Uint8Array {
  if (!('saved' in segment)) return Buffer.from(segment.ids, 'base64');
  if (!segment.bytes) throw new Error(`dedupe bucket ${start}: segment ${segment.saved} was not loaded (restore a saved snapshot through its state store)`);
  return segment.bytes;
}

/** (hi, lo) pairs as inline segments of at most SEGMENT_IDS ids; none for no ids. */
function inlineSegments(pairs: Uint32Array | undefined): DedupeSegment[] {
  const segments: DedupeSegment[] = [];
  if (!pairs) return segments;
  for (let at = 0; at < pairs.length; at += 2 * SEGMENT_IDS) segments.push({ ids: toBase64(pairs.subarray(at, at + 2 * SEGMENT_IDS)) });
  return segments;
}

/** (hi, lo) pairs as little-endian bytes in base64: compact and platform-independent. */
function toBase64(pairs: Uint32Array): string {
  const bytes = Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  if (!LITTLE_ENDIAN) bytes.swap32();
  return bytes.toString('base64');
}
