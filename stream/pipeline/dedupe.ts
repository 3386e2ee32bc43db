/**
 * Dedupe by event id within a horizon of event time, in bounded memory.
 *
 * Producer retries repeat an event (same id, same event time) shortly after the original, and
 * the partition key (campaign id) sends both to the same shard, so a per-shard set is exact.
 * Ids are kept as hashes in one table (taggedIdTable.ts), each tagged with its event-time bucket
 * (a quarter of the horizon); a bucket is dropped whole once it falls more than the horizon
 * behind the newest event time, so memory is bounded by traffic rate × horizon × ≤ 16 bytes, with
 * no scan per record; snapshots add a journal of recent ids (at most MERGE_WINDOW_IDS behind the
 * last saved one, 16 bytes each). Expiry is decided per record, so the outcome does not depend on how
 * records were batched. An event already older than the horizon is kept in the newest bucket, so
 * a retry of it that follows soon is caught too; at most MAX_STALE_IDS_PER_BUCKET such ids a
 * bucket, which keeps the bound when a backfill runs behind a stream gone quiet.
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
  /** Ids of already-stale events kept in the newest bucket (`firstSighting`); absent when none, and in older snapshots. */
  stale?: { bucket: number; ids: number };
}

/** A saved segment as the dedupe keeps track of it. */
interface SegmentInfo {
  key: string;
  ids: number;
  /** Journal position from which its bucket's ids are in it (later ones in later segments); null when the journal cannot give them back (written whole, restored). */
  from: number | null;
}

interface SnapshotPlan {
  number: number;
  position: number;
  /** Per bucket, each segment's size and journal position, in the snapshot's order. */
  segments: Map<number, Omit<SegmentInfo, 'key'>[]>;
}

/** The format before segments (one inline string per bucket); still restored. */
export interface DedupeSnapshotV2 {
  format: 2;
  horizonMs: number;
  bucketMs: number;
  newestEventTime: number | null;
  buckets: { start: number; ids: string }[];
}

export const BUCKETS_PER_HORIZON = 4;
/** Most ids in one inline segment (8 MB of them): a saved object stays a size a store handles in one put. */
export const SEGMENT_IDS = 1 << 20;
/**
 * Most segments per bucket: a bucket with more is written whole again, which bounds the objects a
 * restore reads. Merging (`snapshot`) keeps a bucket's segments few while its ids come within the
 * merge window; a trickle of late ids into an old bucket adds small segments that no longer merge.
 */
export const MAX_SEGMENTS = 64;
/**
 * Journal entries kept for merging behind the last saved snapshot, 16 bytes each: up to 32 MB per
 * shard, on top of the table, plus the entries of one commit. Older segments no longer merge.
 */
const MERGE_WINDOW_IDS = 1 << 21;
/**
 * Most ids of events already older than the horizon kept in one bucket (4 MB of table). They go
 * to the newest bucket, which moves only as newer events come: a backfill behind a stream gone
 * quiet would otherwise grow it without bound. Past the cap such events pass unremembered again.
 */
export const MAX_STALE_IDS_PER_BUCKET = 250_000;
const scratch: Hash64 = { hi: 0, lo: 0 };
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Deduplicator {
  private readonly ids = new TaggedIdTable();
  /** Live buckets: start of the bucket's event time → its tag in the table. */
  private readonly tags = new Map<number, number>();
  private newestEventTime = -Infinity;
  /**
   * Stale ids kept in the newest bucket. Saved with the state: a restore that counted from 0 again
   * kept up to MAX_STALE_IDS_PER_BUCKET more, and a backfill's retries past the cap were caught as
   * duplicates after a restart but written twice without one (an operator review).
   */
  private stale = { bucket: Number.NaN, ids: 0 };
  /** Newest event time at which the oldest bucket expires; avoids looking at buckets per record. */
  private nextExpiry = Infinity;
  private readonly bucketMs: number;
  /** Ids taken in since the first snapshot (dropped once saved and past merging); null before it, when nothing asks for them. */
  private journal: IdJournal | null = null;
  /**
   * Per live bucket, the saved segments that hold its ids up to `savedUpTo` in the journal; null
   * while no snapshot of this dedupe has been saved, and every snapshot is whole.
   */
  private savedSegments: Map<number, SegmentInfo[]> | null = null;
  private savedUpTo = 0;
  /** Snapshots taken, and the number of the newest one saved: an older one saved later changes nothing. */
  private taken = 0;
  private newestSaved = 0;
  /** What each snapshot wrote, so `saved` can take it over with the keys the store gave it. */
  private readonly plans = new WeakMap<DedupeSnapshot, SnapshotPlan>();

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
    let start = floorTo(eventTime, this.bucketMs);
    // An event already older than the horizon (an offline device's, a backfill's) is kept as of
    // the newest event time, for one horizon from there like any other id: its producer's retry
    // comes soon after it, not soon after its event time. Passed unremembered, the retry was
    // written twice.
    if (this.expired(start)) {
      start = floorTo(this.newestEventTime, this.bucketMs);
      if (this.stale.bucket !== start) this.stale = { bucket: start, ids: 0 };
      if (this.stale.ids >= MAX_STALE_IDS_PER_BUCKET) return true;
      this.stale.ids += 1;
    }
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
    // Stale ids the other kept count against the cap of the bucket they are now kept in.
    if (Number.isFinite(other.stale.bucket)) {
      if (other.stale.bucket === this.stale.bucket) this.stale = { bucket: this.stale.bucket, ids: this.stale.ids + other.stale.ids };
      else if (!(this.stale.bucket > other.stale.bucket)) this.stale = { ...other.stale };
    }
  }

  /**
   * A fresh value sharing nothing mutable with the live state (replay does not copy it). Once a
   * store has saved a snapshot of this dedupe (`saved`), later ones name its segments and carry
   * inline only the ids taken in since, so a checkpoint costs what changed, not the whole horizon.
   * Without merging, a bucket would gather a segment per checkpoint; so a new segment swallows
   * the bucket's last one while that one is no more than twice its size (its ids come back from
   * the journal), which keeps segments few and geometric in size, like an LSM tree's tiers, and
   * writes each id O(log n) times. `inline` asks for every id inline instead (a snapshot handed
   * over in memory, with no store to load segments from).
   */
  snapshot({ inline = false }: { inline?: boolean } = {}): DedupeSnapshot {
    const position = this.journal?.end ?? 0;
    const live = [...this.tags.keys()].sort((a, b) => a - b);
    const planned = inline || this.savedSegments === null ? this.wholeSegments(live) : this.incrementalSegments(live, position);
    const snapshot: DedupeSnapshot = {
      format: 3,
      horizonMs: this.horizonMs,
      bucketMs: this.bucketMs,
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      buckets: live.map((start) => ({ start, segments: planned.get(start)?.segments ?? [] })),
      ...(Number.isFinite(this.stale.bucket) ? { stale: { ...this.stale } } : {}),
    };
    if (!inline) {
      // The journal starts with the first snapshot, which holds every id before it.
      this.journal ??= new IdJournal();
      this.taken += 1;
      this.plans.set(snapshot, { number: this.taken, position, segments: new Map(live.map((start) => [start, planned.get(start)?.info ?? []])) });
    }
    return snapshot;
  }

  /**
   * A store saved `taken`, one of this dedupe's snapshots, as `persisted` (every segment named by
   * its key): later snapshots name those segments instead of writing their ids again. A snapshot
   * taken before one already saved changes nothing.
   */
  saved(taken: DedupeSnapshot, persisted: DedupeSnapshot): void {
    const plan = this.plans.get(taken);
    if (!plan || !this.journal) throw new Error('dedupe: the snapshot saved is not one this dedupe took');
    if (plan.number <= this.newestSaved) return;
    const saved = new Map<number, SegmentInfo[]>();
    for (const { start, segments } of persisted.buckets) {
      const info = plan.segments.get(start);
      if (!this.tags.has(start) || !info) continue;
      saved.set(
        start,
        segments.map((segment, i) => {
          if (!('saved' in segment)) throw new Error(`dedupe bucket ${start}: a segment of the saved snapshot is still inline`);
          return { key: segment.saved, ...info[i] };
        }),
      );
    }
    this.savedSegments = saved;
    this.savedUpTo = plan.position;
    this.newestSaved = plan.number;
    // Keep what a merge may still ask for, within the merge window.
    let keepFrom = plan.position;
    for (const segments of saved.values()) for (const { from } of segments) if (from !== null && from < keepFrom) keepFrom = from;
    this.journal.dropBefore(Math.max(keepFrom, plan.position - MERGE_WINDOW_IDS));
  }

  /** Every live bucket's ids, from the table, in segments of at most SEGMENT_IDS. */
  private wholeSegments(starts: number[]): Map<number, PlannedBucket> {
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
    return new Map([...wanted].map(([tag, start]) => [start, inlineSegments(pairs.get(tag)?.ids, null)]));
  }

  /**
   * Each bucket's saved segments, the last ones merged with its ids taken in since (see
   * `snapshot`), the merged ids inline; a bucket past MAX_SEGMENTS is written whole.
   */
  private incrementalSegments(starts: number[], position: number): Map<number, PlannedBucket> {
    const journal = this.journal as IdJournal;
    const saved = this.savedSegments as Map<number, SegmentInfo[]>;
    // How many ids each bucket took in since the last saved snapshot.
    const fresh = new Map<number, number>();
    journal.forEachRun(this.savedUpTo, position, (start, first, end) => {
      if (this.tags.has(start)) fresh.set(start, (fresh.get(start) ?? 0) + end - first);
    });
    // Per bucket: the saved segments kept, and where in the journal its inline ids start.
    const kept = new Map<number, { segments: SegmentInfo[]; from: number; ids: number }>();
    for (const start of starts) {
      const segments = [...(saved.get(start) ?? [])];
      let ids = fresh.get(start) ?? 0;
      let from = this.savedUpTo;
      if (ids > 0) {
        for (let last = segments.at(-1); last && last.from !== null && last.from >= journal.base && last.ids <= 2 * ids && last.ids + ids <= SEGMENT_IDS; last = segments.at(-1)) {
          segments.pop();
          ids += last.ids;
          from = last.from;
        }
      }
      kept.set(start, { segments, from, ids });
    }
    // The inline ids: each bucket's from its own start position on.
    const pairs = new Map<number, { ids: Uint32Array; at: number; from: number }>();
    for (const [start, { from, ids }] of kept) if (ids > 0) pairs.set(start, { ids: new Uint32Array(2 * ids), at: 0, from });
    const earliest = Math.min(position, ...[...pairs.values()].map(({ from }) => from));
    journal.forEachRun(earliest, position, (start, first, end) => {
      const bucket = pairs.get(start);
      if (!bucket || end <= bucket.from || !this.tags.has(start)) return;
      bucket.at = journal.copyPairs(Math.max(first, bucket.from), end, bucket.ids, bucket.at);
    });
    for (const [start, bucket] of pairs) {
      // The journal gives back exactly the ids the merged segments and the new ones hold, or the
      // segment would name ids that are not there.
      if (bucket.at !== bucket.ids.length) throw new Error(`dedupe bucket ${start}: the journal gave ${bucket.at / 2} ids for a segment of ${bucket.ids.length / 2}`);
    }
    const result = new Map<number, PlannedBucket>();
    const rewrite: number[] = [];
    for (const [start, { segments, from }] of kept) {
      const added = inlineSegments(pairs.get(start)?.ids, from);
      if (segments.length + added.segments.length > MAX_SEGMENTS) {
        rewrite.push(start);
        continue;
      }
      result.set(start, {
        segments: [...segments.map(({ key }) => ({ saved: key })), ...added.segments],
        info: [...segments.map(({ ids, from: at }) => ({ ids, from: at })), ...added.info],
      });
    }
    for (const [start, planned] of this.wholeSegments(rewrite)) result.set(start, planned);
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
    if (snapshot.format === 3 && snapshot.stale) dedupe.stale = { ...snapshot.stale };
    const buckets = snapshot.format === 2 ? snapshot.buckets.map(({ start, ids }) => ({ start, segments: [{ ids }] as DedupeSegment[] })) : snapshot.buckets;
    const loaded = buckets.map(({ start, segments }) => ({ start, segments: segments.map((segment) => ({ key: 'saved' in segment ? segment.saved : null, bytes: segmentBytes(start, segment) })) }));
    dedupe.ids.reserve(loaded.reduce((sum, { segments }) => sum + segments.reduce((n, { bytes }) => n + Math.floor(bytes.length / 8), 0), 0));
    const keys = new Map<number, SegmentInfo[]>();
    let allSaved = true;
    for (const { start, segments } of loaded) {
      if (dedupe.expired(start)) continue;
      const tag = dedupe.tagOf(start);
      for (const { key, bytes } of segments) {
        const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let at = 0; at + 8 <= bytes.length; at += 8) dedupe.ids.add(data.getUint32(at, true), data.getUint32(at + 4, true), tag);
        if (key === null) allSaved = false;
        else keys.set(start, [...(keys.get(start) ?? []), { key, ids: Math.floor(bytes.length / 8), from: null }]);
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

/** A bucket's segments as a snapshot writes them, and their sizes and journal positions. */
interface PlannedBucket {
  segments: DedupeSegment[];
  info: Omit<SegmentInfo, 'key'>[];
}

/**
 * (hi, lo) pairs as inline segments of at most SEGMENT_IDS ids (none for no ids), from journal
 * position `from`; only a single segment can be merged later, so a split one has none.
 */
function inlineSegments(pairs: Uint32Array | undefined, from: number | null): PlannedBucket {
  const planned: PlannedBucket = { segments: [], info: [] };
  if (!pairs || pairs.length === 0) return planned;
  const split = pairs.length > 2 * SEGMENT_IDS;
  for (let at = 0; at < pairs.length; at += 2 * SEGMENT_IDS) {
    const chunk = pairs.subarray(at, at + 2 * SEGMENT_IDS);
    planned.segments.push({ ids: toBase64(chunk) });
    planned.info.push({ ids: chunk.length / 2, from: split ? null : from });
  }
  return planned;
}

/** (hi, lo) pairs as little-endian bytes in base64: compact and platform-independent. */
function toBase64(pairs: Uint32Array): string {
  const bytes = Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  if (!LITTLE_ENDIAN) bytes.swap32();
  return bytes.toString('base64');
}
