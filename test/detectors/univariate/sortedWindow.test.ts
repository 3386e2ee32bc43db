/**
 * The sorted window's median absolute deviation, found by merging the deviations on either side
 * of the center, must equal the textbook one (sort every |value − center|, take the middle), on
 * windows full of ties, odd and even sizes, and centers inside, outside and between the values.
 */
import { describe, expect, it } from 'vitest';
import { SortedWindow } from '../../../detectors/univariate/sortedWindow.ts';

function textbookMad(values: readonly number[], center: number): number {
  const deviations = values.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
  const n = deviations.length;
  if (n === 0) return 0;
  return n % 2 ? deviations[n >> 1] : (deviations[n / 2 - 1] + deviations[n / 2]) / 2;
}

describe('SortedWindow.mad', () => {
  it('equals the sort-every-deviation MAD on 2,000 windows of 1 to 40 values', () => {
    let state = 99;
    const random = (): number => {
      state = (1103515245 * state + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const size = 1 + Math.floor(random() * 40);
      const window = new SortedWindow(size);
      const values: number[] = [];
      // Few distinct values half the time, so ties (and ties with the center) are common.
      const levels = trial % 2 ? 4 : 1000;
      for (let i = 0; i < size + 5; i++) {
        const v = Math.floor(random() * levels) / 7 - 1;
        window.push(v);
        values.push(v);
      }
      const kept = values.slice(-size);
      for (const center of [window.median(), kept[0], -5, 5, 0.123]) {
        expect(window.mad(center)).toBe(textbookMad(kept, center));
      }
    }
  });

  it('is 0 for an empty window', () => {
    expect(new SortedWindow(5).mad(1)).toBe(0);
  });
});
