/**
 * How rare is this value's level among the series' own long history? The value tests
 * (rarityScorer.ts) judge a value against the last 30 to 100 values, by their median and MAD. In a
 * series that sits at one value between bursts (disk writes at 0, a quiet hashtag at 0 or 1 an
 * hour) most such windows have no spread at all, every burst is infinitely surprising against them,
 * and the calibration can then only say "as rare as every other burst". This test ranks the value
 * among the last `memory` values themselves, both tails, with the top `tail` share fitted by the
 * same generalised Pareto tail (tailCalibration.ts): a burst far beyond the largest seen in weeks
 * is rare here however many ordinary bursts came before it. How far is far depends on the series'
 * own tail: where bursts come in every size, twice the largest is still only 1 in a few hundred.
 *
 * It also tells whether the value was a record, beyond every one the series has shown in its whole
 * life (not only the last `memory`): the scorer's onset rule lets records off its escalation
 * (streamingScorer.ts, `recordGap`).
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { exceedance } from './tailCalibration.ts';

export interface LevelRarityConfig {
  /** Past values the value is ranked among. */
  memory: number;
  /** Share of past values treated as each tail whose decay is fitted. */
  tail: number;
  /** No rarity before this many values. */
  warmup: number;
}

export interface LevelRaritySnapshot {
  values: SortedWindowState;
  negated: SortedWindowState;
  /** The extremes of the series' whole life (absent in older snapshots: taken from the memory). */
  min?: number | null;
  max?: number | null;
}

export class LevelRarity {
  private readonly values: SortedWindow;
  /** The same values negated, so the lower tail is an upper one for `exceedance`. */
  private readonly negated: SortedWindow;
  private min: number;
  private max: number;
  private record = false;
  /** The last value's one-sided rarities, each doubled to the two-sided scale; null while warming up. */
  private sided: { upper: number; lower: number } | null = null;

  constructor(
    private readonly config: LevelRarityConfig,
    snapshot?: LevelRaritySnapshot,
  ) {
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.values = new SortedWindow(config.memory, s?.values);
    this.negated = new SortedWindow(config.memory, s?.negated);
    const sorted = this.values.sorted;
    this.min = s?.min ?? (sorted.length ? sorted[0] : Infinity);
    this.max = s?.max ?? (sorted.length ? sorted[sorted.length - 1] : -Infinity);
  }

  /** Whether the last value, once warmed up, was beyond every value seen before it (a record high or low). */
  wasRecord(): boolean {
    return this.record;
  }

  /**
   * The last value's rarity as a high level and as a low one, each on the two-sided scale of
   * `next` (2 × P(at least this high), 2 × P(at least this low), at most 1); null while warming up.
   */
  lastSides(): { upper: number; lower: number } | null {
    return this.sided;
  }

  /** Two-sided P(a level at least this extreme), or undefined while warming up. */
  next(value: number): number | undefined {
    let rarity: number | undefined;
    this.record = false;
    this.sided = null;
    if (this.values.size >= this.config.warmup) {
      this.record = value > this.max || value < this.min;
      const above = exceedance(this.values.sorted, value, this.config.tail);
      const below = exceedance(this.negated.sorted, -value, this.config.tail);
      this.sided = { upper: Math.min(1, 2 * above), lower: Math.min(1, 2 * below) };
      rarity = Math.min(1, 2 * Math.min(above, below));
    }
    this.values.push(value);
    this.negated.push(-value);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    return rarity;
  }

  snapshot(): LevelRaritySnapshot {
    return {
      values: this.values.snapshot(),
      negated: this.negated.snapshot(),
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
    };
  }
}
