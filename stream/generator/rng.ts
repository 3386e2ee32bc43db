/**
 * The generator's only source of randomness: pure-rand's xoroshiro128+ behind the few draws the
 * traffic model needs. Same seed, same sequence, on every machine (never Math.random).
 *
 * `split()` hands out an independent stream (a jump of 2^64 steps) so that, for example, changing
 * the duplicate rate does not reshuffle the traffic itself.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export interface Weighted<T> {
  value: T;
  weight: number;
}

export class Rng {
  private constructor(private readonly gen: JumpableRandomGenerator) {}

  static seeded(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /** An independent stream: a clone of this one moved 2^64 steps ahead; this one moves on too. */
  split(): Rng {
    this.gen.jump();
    return new Rng(this.gen.clone());
  }

  /** A copy that continues from the same point (replaying a stream from a saved start). */
  clone(): Rng {
    return new Rng(this.gen.clone());
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  range(from: number, to: number): number {
    return from + (to - from) * this.float();
  }

  /** Log-uniform in [from, to]: rates such as CTR spread over orders of magnitude. */
  logRange(from: number, to: number): number {
    return Math.exp(this.range(Math.log(from), Math.log(to)));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(0, values.length - 1)];
  }

  /** Standard normal (Box–Muller; the second value is dropped to keep draws one-to-one). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Log-normal with the given median; sigma is the spread of log(x). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * Poisson count. Knuth's product method for small means; above 50 the normal approximation
   * is within a fraction of a percent and costs two draws instead of ~λ.
   */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Lower-case hex id of `n` characters. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.int(0, 0xffff).toString(16).padStart(4, '0');
    return s.slice(0, n);
  }
}

/** Picks from a weighted list with a precomputed cumulative table (weights need not sum to 1). */
export class WeightedPicker<T> {
  private readonly values: T[];
  private readonly cumulative: number[];

  constructor(entries: readonly Weighted<T>[]) {
    if (entries.length === 0) throw new RangeError('a weighted list needs at least one entry');
    this.values = entries.map((e) => e.value);
    let total = 0;
    this.cumulative = entries.map((e) => (total += e.weight));
  }

  pick(rng: Rng): T {
    const x = rng.float() * this.cumulative[this.cumulative.length - 1];
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }
}
