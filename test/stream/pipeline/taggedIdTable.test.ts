import { describe, expect, it } from 'vitest';
import { TaggedIdTable } from '../../../stream/pipeline/taggedIdTable.ts';
import { mulberry32 as seeded } from '../../support/seededRandom.ts';

const HI_BITS = 0x1fffffff; // the table keeps hi's low 29 bits

const key = (hi: number, lo: number): string => `${hi & HI_BITS}:${lo >>> 0}`;

describe('tagged id table', () => {
  it('finds every id behind a cleared slot of its cluster after a tag is dropped', () => {
    // Equal lo: one home slot, so the ids queue up in one cluster in the order added.
    const table = new TaggedIdTable(16);
    const lo = 0xf0000000; // home near the end: the cluster wraps around to slot 0
    for (let hi = 1; hi <= 6; hi++) table.add(hi, lo, hi % 2 === 1 ? 1 : 2);
    expect(table.dropTags(1 << 1)).toBe(3);
    expect(table.size).toBe(3);
    for (let hi = 1; hi <= 6; hi++) expect(table.has(hi, lo)).toBe(hi % 2 === 0);
    // The slots the dropped ids left are free again, and the kept ids are still one cluster.
    expect(table.add(7, lo, 3)).toBe(true);
    expect(table.has(7, lo)).toBe(true);
    expect(table.add(2, lo, 3)).toBe(false);
  });

  it('agrees with a Map over random adds and drops, through growth and wrap-around', () => {
    const random = seeded(7);
    const table = new TaggedIdTable(8);
    const reference = new Map<string, number>();
    const added: [number, number][] = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 500; i++) {
        // Few distinct lo values crowd ids into long clusters, the case dropping has to get right.
        const hi = random();
        const lo = random() % 64 === 0 ? 0xffffffff : random();
        const tag = 1 + (random() % 7);
        const fresh = !reference.has(key(hi, lo));
        expect(table.add(hi, lo, tag)).toBe(fresh);
        if (fresh) reference.set(key(hi, lo), tag);
        added.push([hi, lo]);
      }
      const dropped = 1 << (1 + (random() % 7));
      let expectedRemoved = 0;
      for (const [k, tag] of reference) {
        if ((1 << tag) & dropped) {
          reference.delete(k);
          expectedRemoved += 1;
        }
      }
      expect(table.dropTags(dropped)).toBe(expectedRemoved);
      expect(table.size).toBe(reference.size);
      // One assertion a round: 400,000 expect calls took seconds.
      expect(added.filter(([hi, lo]) => table.has(hi, lo) !== reference.has(key(hi, lo))), `round ${round}: ids the table answers wrongly`).toEqual([]);
    }
    const seen = new Map<string, number>();
    table.forEach((hi, lo, tag) => seen.set(key(hi, lo), tag));
    expect(seen).toEqual(reference);
  });

  it('shrinks when a drop leaves it under half full, so memory follows the ids still held', () => {
    const random = seeded(3);
    const table = new TaggedIdTable();
    const kept: [number, number][] = [];
    for (let i = 0; i < 100_000; i++) table.add(random(), random(), 1);
    for (let i = 0; i < 5_000; i++) {
      const id: [number, number] = [random(), random()];
      table.add(id[0], id[1], 2);
      kept.push(id);
    }
    const before = table.bytes;
    table.dropTags(1 << 1);
    expect(table.size).toBe(5_000);
    expect(table.bytes).toBeLessThan(before / 10);
    expect(table.bytes / table.size).toBeLessThanOrEqual(16);
    for (const [hi, lo] of kept) expect(table.has(hi, lo)).toBe(true);
  });

  it('takes hash halves given as signed int32, as `^` and `|` produce them', () => {
    const table = new TaggedIdTable();
    table.add(0x12345678, 0xfedcba98, 1);
    expect(table.has(0x12345678, 0xfedcba98 | 0)).toBe(true);
  });

  it('refuses a tag outside 1–7, which would corrupt the slot layout', () => {
    const table = new TaggedIdTable();
    expect(() => table.add(1, 1, 0)).toThrow(/tag must be an integer from 1 to 7/);
    expect(() => table.add(1, 1, 8)).toThrow(/tag must be an integer from 1 to 7/);
  });
});
