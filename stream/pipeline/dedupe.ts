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
 * Collisions: two different ids with the same 61-bit hash make the second a false duplicate.
 * With n ids inside the horizon a new id collides with probability n / 2^61: 4.3e-12 at
 * n = 10M, i.e. about one lost event in 2·10^11 at that size. That is the price of 8 bytes per id
 * instead of the id itself; it is far below the rate of anything else that loses data.
 */
import { hash64Into, type Hash64 } from './aggregates/hash64.ts';
import { floorTo } from './eventTimeWindows.ts';
import { MAX_TAG, TaggedIdTable } from './taggedIdTable.ts';

export interface DedupeSnapshot {
  format: 2;
  horizonMs: number;
  bucketMs: number;
  newestEventTime: number | null;
  /** Hashed ids per event-time bucket, base64 of (hi, lo) little-endian uint32 pairs. */
  buckets: { start: number; ids: string }[];
}

export const BUCKETS_PER_HORIZON = 4;
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
      if (!this.expired(start)) this.ids.add(hi, lo, this.tagOf(start));
    });
  }

  /** A fresh value sharing nothing mutable with the live state (replay does not copy it). */
  snapshot(): DedupeSnapshot {
    const counts = new Map<number, number>();
    this.ids.forEach((_hi, _lo, tag) => counts.set(tag, (counts.get(tag) ?? 0) + 1));
    const pairs = new Map<number, { ids: Uint32Array; at: number }>();
    for (const [tag, count] of counts) pairs.set(tag, { ids: new Uint32Array(count * 2), at: 0 });
    this.ids.forEach((hi, lo, tag) => {
      const bucket = pairs.get(tag) as { ids: Uint32Array; at: number };
      bucket.ids[bucket.at++] = hi;
      bucket.ids[bucket.at++] = lo;
    });
    return {
      format: 2,
      horizonMs: this.horizonMs,
      bucketMs: this.bucketMs,
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      buckets: [...this.tags]
        .sort(([a], [b]) => a - b)
        .map(([start, tag]) => ({ start, ids: toBase64(pairs.get(tag)?.ids ?? new Uint32Array(0)) })),
    };
  }

  static restore(snapshot: DedupeSnapshot): Deduplicator {
    if (snapshot.format !== 2) throw new Error(`dedupe snapshot format ${String(snapshot.format)} is not supported (expected 2); replay the shard from its start`);
    const dedupe = new Deduplicator(snapshot.horizonMs);
    if (dedupe.bucketMs !== snapshot.bucketMs) throw new Error(`dedupe snapshot buckets are ${snapshot.bucketMs} ms, expected ${dedupe.bucketMs} ms`);
    dedupe.newestEventTime = snapshot.newestEventTime ?? -Infinity;
    // base64 of 8 bytes per id: 4 characters per 3 bytes.
    dedupe.ids.reserve(snapshot.buckets.reduce((sum, { ids }) => sum + Math.floor((ids.length * 3) / 4 / 8), 0));
    for (const { start, ids } of snapshot.buckets) {
      if (dedupe.expired(start)) continue;
      const tag = dedupe.tagOf(start);
      const bytes = Buffer.from(ids, 'base64');
      for (let at = 0; at + 8 <= bytes.length; at += 8) dedupe.ids.add(bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4), tag);
    }
    return dedupe;
  }
}

/** (hi, lo) pairs as little-endian bytes in base64: compact and platform-independent. */
function toBase64(pairs: Uint32Array): string {
  const bytes = Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  if (!LITTLE_ENDIAN) bytes.swap32();
  return bytes.toString('base64');
}
