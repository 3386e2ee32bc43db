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

  /** Calls `visit` for the entries from absolute position `from` (or `base`, if later) up to `until`, with each one's position. */
  forEachBetween(from: number, until: number, visit: (hi: number, lo: number, start: number, position: number) => void): void {
    const first = Math.max(0, from - this.base);
    const count = Math.min(Math.max(0, until - this.base), this.length);
    for (let i = first; i < count; i++) visit(this.hi[i], this.lo[i], this.starts[i], this.base + i);
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
