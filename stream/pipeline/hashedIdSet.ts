/**
 * A set of 64-bit hashes in one Uint32Array (hi, lo pairs), open addressing with linear probing.
 * 8 bytes a slot and a load kept between 0.5 and 0.75 (it grows by half when 3/4 full) bound the
 * memory at 16 bytes per id at worst, about 12 on average, against ~80+ for a Set of strings.
 * The pair (0, 0) marks an empty slot, so a hash that is (0, 0) is stored as (0, 1).
 */
const MAX_LOAD = 0.75;
const GROWTH = 1.5;
const TWO_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class HashedIdSet {
  private slots: Uint32Array;
  private capacity: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(8, Math.ceil(initialCapacity));
    this.slots = new Uint32Array(this.capacity * 2);
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Multiply-shift ("fastrange") instead of modulo: capacities are not powers of two. */
  private home(lo: number): number {
    return Math.min(this.capacity - 1, Math.floor((lo * this.capacity) / TWO_32));
  }

  has(hi: number, lo: number): boolean {
    if ((hi | lo) === 0) lo = 1;
    const slots = this.slots;
    let i = this.home(lo);
    for (;;) {
      const h = slots[2 * i];
      const l = slots[2 * i + 1];
      if (h === hi && l === lo) return true;
      if ((h | l) === 0) return false;
      if (++i === this.capacity) i = 0;
    }
  }

  /** Adds the hash; false when it was already there. */
  add(hi: number, lo: number): boolean {
    if ((hi | lo) === 0) lo = 1;
    if (this.size + 1 > this.capacity * MAX_LOAD) this.resize(Math.ceil(this.capacity * GROWTH));
    return this.insert(this.slots, hi, lo);
  }

  private insert(slots: Uint32Array, hi: number, lo: number): boolean {
    let i = this.home(lo);
    for (;;) {
      const h = slots[2 * i];
      const l = slots[2 * i + 1];
      if (h === hi && l === lo) return false;
      if ((h | l) === 0) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        this.size += 1;
        return true;
      }
      if (++i === this.capacity) i = 0;
    }
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * 2);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if ((old[i] | old[i + 1]) !== 0) this.insert(this.slots, old[i], old[i + 1]);
  }

  forEach(visit: (hi: number, lo: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) if ((slots[i] | slots[i + 1]) !== 0) visit(slots[i], slots[i + 1]);
  }

  /** The ids only (8 bytes each, little-endian), in slot order: compact and platform-independent. */
  toBase64(): string {
    // Copied pair by pair into a typed array and encoded once: a Buffer.writeUInt32LE per half
    // (with its range checks) was most of a snapshot's cost, and snapshots hold every id.
    const ids = new Uint32Array(this.size * 2);
    const slots = this.slots;
    let at = 0;
    for (let i = 0; i < slots.length; i += 2) {
      if ((slots[i] | slots[i + 1]) === 0) continue;
      ids[at++] = slots[i];
      ids[at++] = slots[i + 1];
    }
    const bytes = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
    if (!LITTLE_ENDIAN) bytes.swap32();
    return bytes.toString('base64');
  }

  static fromBase64(text: string): HashedIdSet {
    const bytes = Buffer.from(text, 'base64');
    const set = new HashedIdSet(Math.ceil(bytes.length / 8 / MAX_LOAD) + 1);
    for (let at = 0; at + 8 <= bytes.length; at += 8) set.add(bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4));
    return set;
  }
}
