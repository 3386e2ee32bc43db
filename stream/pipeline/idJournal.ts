/**
 * The hashed ids a Deduplicator took in, in arrival order, each with its event-time bucket, since
 * its first snapshot and back as far as its saved segments may still be merged: what the next
 * snapshot writes (dedupe.ts says why snapshots are incremental and how segments merge). Positions are absolute (`base` grows as saved entries are dropped), so a
 * snapshot can say how far it reached while the journal goes on growing behind it.
 */
const INITIAL_CAPACITY = 1024;

export class IdJournal {
  private hi = new Uint32Array(INITIAL_CAPACITY);
  private lo = new Uint32Array(INITIAL_CAPACITY);
  private starts = new Float64Array(INITIAL_CAPACITY);
  private length = 0;
  /** Absolute position of the first entry held. */
  base = 0;

  /** Absolute position just past the last entry. */
  get end(): number {
    return this.base + this.length;
  }

  push(hi: number, lo: number, start: number): void {
    if (this.length === this.hi.length) this.grow();
    this.hi[this.length] = hi;
    this.lo[this.length] = lo;
    this.starts[this.length] = start;
    this.length += 1;
  }

  /** Forgets every entry before absolute position `position` (they are saved now). */
  dropBefore(position: number): void {
    const drop = Math.min(Math.max(0, position - this.base), this.length);
    if (drop === 0) return;
    this.hi.copyWithin(0, drop, this.length);
    this.lo.copyWithin(0, drop, this.length);
    this.starts.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.base += drop;
    // Memory follows what is held, not the largest commit seen.
    if (this.hi.length > INITIAL_CAPACITY && this.length < this.hi.length / 4) this.resize(Math.max(INITIAL_CAPACITY, this.length * 2));
  }

  /**
   * Calls `visit` once per run of consecutive entries of the same bucket, from absolute position
   * `from` (or `base`, if later) up to `until`: the bucket's start and the run's positions
   * [`first`, `end`). Ids arrive mostly in bucket order, so runs are long; a call per entry boxed
   * each entry's start (a double) and cost a snapshot 16 bytes an id.
   */
  forEachRun(from: number, until: number, visit: (start: number, first: number, end: number) => void): void {
    const count = Math.min(Math.max(0, until - this.base), this.length);
    for (let i = Math.max(0, from - this.base); i < count; ) {
      const start = this.starts[i];
      const runFrom = i;
      while (i < count && this.starts[i] === start) i += 1;
      visit(start, this.base + runFrom, this.base + i);
    }
  }

  /** Writes the ids at absolute positions [`from`, `until`) into `pairs` as (hi, lo) pairs from index `at`; returns the index past them. */
  copyPairs(from: number, until: number, pairs: Uint32Array, at: number): number {
    for (let i = from - this.base; i < until - this.base; i++) {
      pairs[at++] = this.hi[i];
      pairs[at++] = this.lo[i];
    }
    return at;
  }

  private grow(): void {
    this.resize(this.hi.length * 2);
  }

  private resize(capacity: number): void {
    const hi = new Uint32Array(capacity);
    const lo = new Uint32Array(capacity);
    const starts = new Float64Array(capacity);
    hi.set(this.hi.subarray(0, this.length));
    lo.set(this.lo.subarray(0, this.length));
    starts.set(this.starts.subarray(0, this.length));
    this.hi = hi;
    this.lo = lo;
    this.starts = starts;
  }
}
