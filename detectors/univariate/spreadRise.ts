/**
 * Has the series' noise grown? The spread of its row-to-row changes over the last `recent` rows,
 * against their spread over the `baseline` rows before those, ranked among this series' own such
 * ratios of the last `memory` rows; only a rise is reported.
 *
 * Why: the value tests (rarityScorer.ts) scale each row's surprise by the spread of the last 30
 * to 100 values, so when the noise itself grows (a bid market turning jumpy, a sensor starting to
 * chatter, a service whose latency starts to swing) each row is only a little less ordinary than
 * usual, and the baseline they judge by widens with the burst: no single row stands out, while
 * the stretch as a whole is unlike the series. The level test sees no extreme value either, and
 * the shape test looks at a day, not at two hours.
 *
 * 1. Changes, not values: x_t − x_{t−1}. The spread of the values over a stretch that holds a
 *    step (a daily jump, a level shift) is the step's size; the spread of the changes holds the
 *    step as one large change among many, and the median absolute deviation ignores it. Spread of
 *    values instead flagged NAB's art_daily_* files each time a stretch straddled their daily
 *    jump.
 * 2. Ratio: ln((MAD of the last `recent` changes + ε) / (MAD of the `baseline` before them + ε)),
 *    ε = 1e-9 of the largest |value| seen, so that a flat stretch does not divide by zero and the
 *    ratio is the same in any unit (0 while every value has been 0); ranked both tails
 *    among the last `memory` ratios with the fitted tail of levelRarity.ts, as the level test
 *    ranks values, once `warmup` ratios have been seen.
 * 3. Only a rise counts: a fall of the noise is a series going quiet, which is news only when
 *    it stops moving altogether (stuckValue.ts); counted both ways, NAB's tweet files alerted on
 *    their collection outage of 2015-03-11 and on quiet nights.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { LevelRarity, type LevelRaritySnapshot } from './levelRarity.ts';
import { SortedWindow } from './sortedWindow.ts';

export interface SpreadRiseConfig {
  /** Changes whose spread is judged. */
  recent: number;
  /** Changes before those whose spread it is judged against. */
  baseline: number;
  /** Past ratios the ratio is ranked among. */
  memory: number;
  /** Share of past ratios in each tail whose decay is fitted. */
  tail: number;
  /** No rarity before this many ratios. */
  warmup: number;
}

export interface SpreadRiseSnapshot {
  last: number | null;
  /** The largest |value| seen, the unit of the floor ε. */
  largest: number;
  /** The last `baseline + recent` changes, oldest first. */
  changes: number[];
  ratios: LevelRaritySnapshot;
}

/** Median absolute deviation from the median; the upper middle value of an even count, for both. */
function mad(window: SortedWindow): number {
  const { sorted } = window;
  return window.mad(sorted[sorted.length >> 1], true);
}

export class SpreadRise {
  private last: number | null;
  private largest: number;
  private readonly changes: number[];
  /**
   * The last `recent` changes and the `baseline` before them, each kept sorted as it slides: a
   * sort of each per row made this rule half of `score-nab`'s time (18.7 → 32.6 s over NAB's
   * 58 files). Rebuilt from `changes` on a restore, so the snapshot holds the changes only.
   */
  private readonly recentChanges: SortedWindow;
  private readonly baselineChanges: SortedWindow;
  private readonly ratios: LevelRarity;

  constructor(
    private readonly config: SpreadRiseConfig,
    snapshot?: SpreadRiseSnapshot,
  ) {
    const { recent, baseline } = config;
    if (!(Number.isInteger(recent) && recent >= 1 && Number.isInteger(baseline) && baseline >= 1)) throw new RangeError(`spread rise needs recent and baseline counts of whole rows from 1 up, not ${recent} and ${baseline}`);
    this.last = snapshot?.last ?? null;
    this.largest = snapshot?.largest ?? 0;
    this.changes = [];
    this.recentChanges = new SortedWindow(recent);
    this.baselineChanges = new SortedWindow(baseline);
    for (const change of snapshot?.changes ?? []) this.slide(change);
    this.ratios = new LevelRarity({ memory: config.memory, tail: config.tail, warmup: config.warmup }, snapshot?.ratios);
  }

  /** The rarity of the noise's rise at this value, or undefined while warming up or when the noise has not risen. */
  next(value: number): number | undefined {
    const previous = this.last;
    this.last = value;
    this.largest = Math.max(this.largest, Math.abs(value));
    if (previous === null) return undefined;
    const { recent, baseline } = this.config;
    this.slide(value - previous);
    if (this.changes.length < recent + baseline) return undefined;
    const floor = 1e-9 * this.largest;
    const ratio = floor > 0 ? Math.log((mad(this.recentChanges) + floor) / (mad(this.baselineChanges) + floor)) : 0;
    // Every ratio is remembered, falls too: the rank is among all of them.
    const rarity = this.ratios.next(ratio);
    return ratio > 0 ? rarity : undefined;
  }

  /** Takes in a change: it enters the recent window, whose oldest moves to the baseline. */
  private slide(change: number): void {
    const { recent, baseline } = this.config;
    this.changes.push(change);
    if (this.changes.length > recent + baseline) this.changes.shift();
    this.recentChanges.push(change);
    const n = this.changes.length;
    if (n > recent) this.baselineChanges.push(this.changes[n - 1 - recent]);
  }

  snapshot(): SpreadRiseSnapshot {
    return { last: this.last, largest: this.largest, changes: [...this.changes], ratios: this.ratios.snapshot() };
  }
}
