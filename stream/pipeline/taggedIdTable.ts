/**
 * The dedupe's remembered ids (dedupe.ts): hashed ids in one open-addressing table with linear
 * probing, each slot tagged with the event-time bucket its id belongs to.
 *
 * Why one table and tags rather than a table per bucket: a lookup must ask every live bucket, and
 * on tables of millions of ids each ask is a cache miss of its own; five buckets cost five misses
 * per record, most of the dedupe's time (about 0.5 µs a record). One table answers in one probe
 * sequence. Dropping a bucket becomes a sweep that clears its slots and re-seats the ids behind
 * them, sequential work once per bucket instead of random reads on every record.
 *
 * Layout: a slot is two uint32s, (tag << 29 | hi's low 29 bits, lo), so an id keeps 61 bits of
 * its 64-bit hash and a slot stays 8 bytes. Tags run from 1 to 7, which makes an occupied slot's
 * first word non-zero: 0 marks an empty slot. The load stays between 0.5 and 0.75 (the table
 * grows by half when 3/4 full, and shrinks when a drop leaves it under half full), so the table
 * holds 16 bytes per id at worst, about 12 on average, past its minimum of 1024 slots.
 */
const MAX_LOAD = 0.75;
const GROWTH = 1.5;
/** Below this load after a drop the table shrinks, to SHRUNK_LOAD: memory follows the ids held, not the peak. */
const MIN_LOAD = 0.5;
const SHRUNK_LOAD = 0.6;
const MIN_CAPACITY = 1024;
const TWO_32 = 4294967296;
const TAG_SHIFT = 29;
const HASH_HI_MASK = (1 << TAG_SHIFT) - 1;
export const MAX_TAG = 7;

export class TaggedIdTable {
  private slots: Uint32Array;
  private capacity: number;
  size = 0;

  constructor(initialCapacity = MIN_CAPACITY) {
    this.capacity = Math.max(8, Math.ceil(initialCapacity));
    this.slots = new Uint32Array(this.capacity * 2);
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Makes room for `ids` ids in all without growing step by step (a snapshot being loaded, a parent absorbed). */
  reserve(ids: number): void {
    if (ids > this.capacity * MAX_LOAD) this.resize(Math.ceil(ids / SHRUNK_LOAD));
  }

  /** Multiply-shift ("fastrange") instead of modulo: capacities are not powers of two. */
  private home(lo: number): number {
    return Math.min(this.capacity - 1, Math.floor((lo * this.capacity) / TWO_32));
  }

  /** Whether the hash is held, under any tag. */
  has(hi: number, lo: number): boolean {
    const key = hi & HASH_HI_MASK;
    lo >>>= 0; // a hash half may come in as a signed int32 (from `^` or `|`); slots hold it unsigned
    const slots = this.slots;
    let i = this.home(lo);
    for (;;) {
      const word = slots[2 * i];
      if (word === 0) return false;
      if ((word & HASH_HI_MASK) === key && slots[2 * i + 1] === lo) return true;
      if (++i === this.capacity) i = 0;
    }
  }

  /** Adds the hash under `tag` (1 to MAX_TAG); false, and nothing changed, when it is already held. */
  add(hi: number, lo: number, tag: number): boolean {
    if (this.has(hi, lo)) return false;
    this.addAbsent(hi, lo, tag);
    return true;
  }

  /** `add` for a hash the caller has just found absent with `has` (the dedupe's hot path asks first anyway). */
  addAbsent(hi: number, lo: number, tag: number): void {
    if (!(tag >= 1 && tag <= MAX_TAG && tag % 1 === 0)) throw new RangeError(`tag must be an integer from 1 to ${MAX_TAG}, not ${tag}`);
    if (this.size + 1 > this.capacity * MAX_LOAD) this.resize(Math.ceil(this.capacity * GROWTH));
    this.place(((tag << TAG_SHIFT) | (hi & HASH_HI_MASK)) >>> 0, lo >>> 0);
    this.size += 1;
  }

  /** Writes a slot's two words into the first empty slot of its probe sequence. */
  private place(word: number, lo: number): void {
    const slots = this.slots;
    let i = this.home(lo);
    while (slots[2 * i] !== 0) if (++i === this.capacity) i = 0;
    slots[2 * i] = word;
    slots[2 * i + 1] = lo;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i], old[i + 1]);
  }

  /**
   * Removes every id whose tag is set in `tagMask` (bit t for tag t), in one sweep. Linear probing
   * finds an id by walking from its home slot to the first empty one, so an id that sat behind a
   * cleared slot could no longer be found; each such id is re-seated as the sweep passes it. The
   * sweep starts at a slot that was already empty, so no cluster wraps around its start, and goes
   * in probe order, so a re-seated id only moves back into slots the sweep has finished with.
   */
  dropTags(tagMask: number): number {
    const slots = this.slots;
    const capacity = this.capacity;
    let start = 0;
    while (slots[2 * start] !== 0) start += 1; // the load is below 1, so an empty slot exists
    let removed = 0;
    let behindCleared = false;
    for (let step = 1; step <= capacity; step++) {
      const i = (start + step) % capacity;
      const word = slots[2 * i];
      if (word === 0) {
        behindCleared = false;
      } else if ((tagMask >>> (word >>> TAG_SHIFT)) & 1) {
        slots[2 * i] = 0;
        slots[2 * i + 1] = 0;
        removed += 1;
        behindCleared = true;
      } else if (behindCleared) {
        const lo = slots[2 * i + 1];
        slots[2 * i] = 0;
        slots[2 * i + 1] = 0;
        this.place(word, lo);
      }
    }
    this.size -= removed;
    if (this.capacity > MIN_CAPACITY && this.size < this.capacity * MIN_LOAD) this.resize(Math.max(MIN_CAPACITY, Math.ceil(this.size / SHRUNK_LOAD)));
    return removed;
  }

  /** Calls `visit` for every id held: its hash (61 bits: hi's low 29, lo) and its tag. */
  forEach(visit: (hi: number, lo: number, tag: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const word = slots[i];
      if (word !== 0) visit(word & HASH_HI_MASK, slots[i + 1], word >>> TAG_SHIFT);
    }
  }
}
