/**
 * Dedupe by event id within a horizon of event time. Producer retries repeat an event with the
 * same id shortly after the original, and the partition key (campaign id) sends both to the same
 * shard, so a per-shard set is exact. Entries older than the horizon behind the newest event
 * time are evicted, which bounds memory by traffic rate × horizon.
 */
export interface DedupeSnapshot {
  horizonMs: number;
  /** [eventId, eventTime] pairs still inside the horizon. */
  entries: [string, number][];
}

export class Deduplicator {
  private readonly seen = new Map<string, number>();
  private newestEventTime = -Infinity;
  private evictedUpTo = -Infinity;

  constructor(private readonly horizonMs: number) {}

  /** True the first time an event id is seen within the horizon; false for a duplicate. */
  firstSighting(eventId: string, eventTime: number): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.set(eventId, eventTime);
    if (eventTime > this.newestEventTime) this.newestEventTime = eventTime;
    return true;
  }

  /** Forget ids whose event time fell out of the horizon; called once per batch, not per record. */
  evict(): void {
    const cutoff = this.newestEventTime - this.horizonMs;
    // Eviction scans the whole map, so only do it when the cutoff moved by a tenth of the horizon.
    if (cutoff - this.evictedUpTo < this.horizonMs / 10) return;
    for (const [id, time] of this.seen) if (time < cutoff) this.seen.delete(id);
    this.evictedUpTo = cutoff;
  }

  get size(): number {
    return this.seen.size;
  }

  snapshot(): DedupeSnapshot {
    return { horizonMs: this.horizonMs, entries: [...this.seen] };
  }

  static restore(snapshot: DedupeSnapshot): Deduplicator {
    const dedupe = new Deduplicator(snapshot.horizonMs);
    for (const [id, time] of snapshot.entries) dedupe.firstSighting(id, time);
    return dedupe;
  }
}
