/**
 * Dedupe by event id within a horizon of event time, in bounded memory.
 *
 * Producer retries repeat an event (same id, same event time) shortly after the original, and
 * the partition key (campaign id) sends both to the same shard, so a per-shard set is exact.
 * Ids are kept as 64-bit hashes (`hash64`) in sets bucketed by event time (a quarter of the
 * horizon each); a bucket is dropped whole once it falls more than the horizon behind the newest
 * event time, so memory is bounded by traffic rate × horizon × ≤ 16 bytes, with no scan.
 * Expiry is decided per record, so the outcome does not depend on how records were batched.
 * An event already older than the horizon is passed and not remembered.
 *
 * Collisions: two different ids with the same 64-bit hash make the second a false duplicate.
 * With n ids inside the horizon a new id collides with probability n / 2^64: 5.4e-13 at
 * n = 10M, i.e. about one lost event in 2·10^12 at that size. That is the price of 8 bytes per id
 * instead of the id itself; it is far below the rate of anything else that loses data.
 */
import { hash64Into, type Hash64 } from './aggregates/hash64.ts';
import { floorTo } from './eventTimeWindows.ts';
import { HashedIdSet } from './hashedIdSet.ts';

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

export class Deduplicator {
  private readonly buckets = new Map<number, HashedIdSet>();
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
    for (const bucket of this.buckets.values()) if (bucket.has(hi, lo)) return false;
    if (eventTime > this.newestEventTime) {
      this.newestEventTime = eventTime;
      if (eventTime >= this.nextExpiry) this.expire();
    }
    const start = floorTo(eventTime, this.bucketMs);
    if (start + this.bucketMs + this.horizonMs <= this.newestEventTime) return true;
    let bucket = this.buckets.get(start);
    if (!bucket) {
      bucket = new HashedIdSet();
      this.buckets.set(start, bucket);
      this.nextExpiry = Math.min(this.nextExpiry, start + this.bucketMs + this.horizonMs);
    }
    bucket.add(hi, lo);
    return true;
  }

  /** Whether a hashed id is remembered, without recording anything (funnel attribution asks). */
  seenHash(hi: number, lo: number): boolean {
    for (const bucket of this.buckets.values()) if (bucket.has(hi, lo)) return true;
    return false;
  }

  private expire(): void {
    this.nextExpiry = Infinity;
    for (const start of [...this.buckets.keys()]) {
      const expiry = start + this.bucketMs + this.horizonMs;
      if (expiry <= this.newestEventTime) this.buckets.delete(start);
      else this.nextExpiry = Math.min(this.nextExpiry, expiry);
    }
  }

  /** Ids remembered. */
  get size(): number {
    let size = 0;
    for (const bucket of this.buckets.values()) size += bucket.size;
    return size;
  }

  /** Bytes held by the hash tables (the state that grows with traffic). */
  get bytes(): number {
    let bytes = 0;
    for (const bucket of this.buckets.values()) bytes += bucket.bytes;
    return bytes;
  }

  /** Takes in another shard's ids (a child shard of a merge starts with both parents' state). */
  absorb(other: Deduplicator): void {
    for (const [start, bucket] of other.buckets) {
      let mine = this.buckets.get(start);
      if (!mine) {
        mine = new HashedIdSet(bucket.size * 1.4);
        this.buckets.set(start, mine);
      }
      bucket.forEach((hi, lo) => mine.add(hi, lo));
    }
    this.newestEventTime = Math.max(this.newestEventTime, other.newestEventTime);
    this.expire();
  }

  /** A fresh value sharing nothing mutable with the live state (replay does not copy it). */
  snapshot(): DedupeSnapshot {
    return {
      format: 2,
      horizonMs: this.horizonMs,
      bucketMs: this.bucketMs,
      newestEventTime: Number.isFinite(this.newestEventTime) ? this.newestEventTime : null,
      buckets: [...this.buckets].sort(([a], [b]) => a - b).map(([start, bucket]) => ({ start, ids: bucket.toBase64() })),
    };
  }

  static restore(snapshot: DedupeSnapshot): Deduplicator {
    if (snapshot.format !== 2) throw new Error(`dedupe snapshot format ${String(snapshot.format)} is not supported (expected 2); replay the shard from its start`);
    const dedupe = new Deduplicator(snapshot.horizonMs);
    if (dedupe.bucketMs !== snapshot.bucketMs) throw new Error(`dedupe snapshot buckets are ${snapshot.bucketMs} ms, expected ${dedupe.bucketMs} ms`);
    dedupe.newestEventTime = snapshot.newestEventTime ?? -Infinity;
    for (const { start, ids } of snapshot.buckets) dedupe.buckets.set(start, HashedIdSet.fromBase64(ids));
    dedupe.expire();
    return dedupe;
  }
}
