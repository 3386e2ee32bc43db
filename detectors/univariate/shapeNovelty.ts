/**
 * Has the series looked like this before? The distance from the shape of the last `length` values
 * to the nearest shape among earlier ones, and how rare that distance is for this series.
 *
 * Why: the rarity scorer (rarityScorer.ts) judges a value against the last few dozen values, so a
 * change of a daily pattern escapes it: a day whose daytime jump never comes is flat, and flat is
 * what the night before looked like. Over a day's worth of rows the shape of that day has no near
 * neighbour among the earlier days, whatever time the jump usually comes at, which is why this
 * compares shapes with every earlier offset rather than with the same time yesterday (tried and
 * dropped: daily jumps jitter, so the same-time residual is large every day).
 *
 * 1. Shape: the last `length` values as `bins` means of consecutive values (smooths noise and
 *    makes the search cheaper).
 * 2. Novelty: the root-mean-square difference to the nearest shape that ended between `history`
 *    and `length` rows ago (shapes that overlap the current one would match it trivially), in
 *    units of the range of every value seen so far, so the distance means the same on any scale;
 *    less 0.1 % of that range, below which shapes count as the same.
 * 3. Rarity: P(novelty ≥ this one) among this series' earlier novelties, tail fitted as in
 *    tailCalibration.ts, once there are `length` of them. The shapes of consecutive rows share all
 *    but one row, so their novelties move together: the first few dozen are one comparison
 *    measured a few dozen times, and ranked among 20 of them (the bar until 2026-12-05) the second
 *    day of a noisy daily series was as novel as anything yet (NAB's art_daily_small_noise alerted
 *    twice on it). A shape's worth of them spans one full day of offsets.
 * 4. Exact repeat (`repeatsExactly`): novelty 0 and the last bin's raw values equal to those of
 *    such a nearest shape; the streaming scorer does not alert on such a row.
 * 5. Record (`recordWarmup`, off when absent): a novelty beyond every one of the n earlier ones
 *    (n ≥ recordWarmup) is, among n + 1 exchangeable novelties, a 1-in-(n + 1) event whatever
 *    their distribution, divided by how many times the largest earlier one it is, the bound of
 *    departureRecord.ts; the rarity is at most that. The fitted tail of step 3 follows the
 *    novelties' own spread: in a series whose days differ a lot from each other (tweet volumes,
 *    a noisy machine) the most novel day in weeks can rank as 1 in a few hundred there, which
 *    the record bound makes 1 in n + 1 or less. Shapes of consecutive rows overlap in all but one
 *    row, so consecutive novelties are far from exchangeable and the bound is better read as a
 *    rank (the most novel day the memory holds) than as a probability; on NAB it helped only while
 *    it stayed near 1 / (n + 1) (streamingScorer.ts, header 11).
 *
 * A nearest-neighbour search per row: `history` × `bins` operations at most (the search stops
 * early on a shape already farther than the best). Pure and JSON-snapshotable.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { exceedance } from './tailCalibration.ts';
import { checkRecordWarmup, recordBound } from './departureRecord.ts';

export interface ShapeNoveltyConfig {
  /** Rows in one shape. */
  length: number;
  /** Means a shape is reduced to; divides `length`. */
  bins: number;
  /** How far back the nearest shape is looked for, in rows. */
  history: number;
  /** Past novelties the rarity is taken among. */
  memory: number;
  /** Share of past novelties treated as the fitted tail. */
  tail: number;
  /** Past novelties a novelty must beat for the record bound (step 5); absent or null: no bound. */
  recordWarmup?: number | null;
}

export interface ShapeNoveltySnapshot {
  recent: number[];
  /** Shapes of the last `history` rows, oldest first, `bins` numbers each. */
  shapes: number[];
  min: number | null;
  max: number | null;
  novelties: SortedWindowState;
  /** The value each stored shape ended at, aligned with `shapes` from the end (older snapshots: none). */
  ends?: number[];
}

/**
 * Distances under 0.1 % of the range are no difference: without this, a series that repeats
 * exactly (a noiseless daily pattern) has novelties of float rounding only, and the first
 * slightly larger rounding error ranks as the rarest shape ever seen.
 */
const SAME_SHAPE = 1e-3;
/** Candidate shapes needed before a nearest one means anything. */
const MIN_CANDIDATES = 6;

export class ShapeNovelty {
  private readonly recent: number[];
  private readonly shapes: number[];
  private min: number;
  private max: number;
  private readonly novelties: SortedWindow;
  private readonly binLength: number;
  /** The value each stored shape ended at, aligned with `shapes` from the end. */
  private readonly ends: number[];
  /** Whether the last row repeated an earlier one exactly: see `repeatsExactly`. */
  private repeat = false;

  constructor(
    private readonly config: ShapeNoveltyConfig,
    snapshot?: ShapeNoveltySnapshot,
  ) {
    const { length, bins, history } = config;
    if (!(bins >= 1 && length % bins === 0)) throw new RangeError(`a shape of ${length} rows cannot be cut into ${bins} equal bins`);
    if (!(history > length)) throw new RangeError(`history (${history} rows) must exceed the shape length (${length})`);
    if (config.recordWarmup !== undefined && config.recordWarmup !== null) checkRecordWarmup('shape recordWarmup', config.recordWarmup, config.memory);
    this.binLength = length / bins;
    this.recent = snapshot ? [...snapshot.recent] : [];
    this.shapes = snapshot ? [...snapshot.shapes] : [];
    this.min = snapshot?.min ?? Infinity;
    this.max = snapshot?.max ?? -Infinity;
    this.novelties = new SortedWindow(config.memory, snapshot ? structuredClone(snapshot.novelties) : undefined);
    this.ends = snapshot?.ends ? [...snapshot.ends] : [];
  }

  /**
   * Whether the last row's day repeats an earlier day exactly: a stored shape as near as shapes
   * get (novelty 0), and the last bin's worth of values equal to the values that shape ended
   * with, within 0.1 % of the range. A perfectly periodic series (a square wave: level changes at
   * the same minutes every day) is then known to be doing what it always does, even on a row
   * whose value jumps; the equal last values keep a spike on an otherwise repeated day (whose
   * bin means barely move) from passing for a repeat.
   */
  repeatsExactly(): boolean {
    return this.repeat;
  }

  /** P(a novelty at least this large) for the shape ending at this value, or undefined before there is enough history. */
  next(value: number): number | undefined {
    const { length, bins, history } = this.config;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.recent.push(value);
    if (this.recent.length > length) this.recent.shift();
    if (this.recent.length < length) return undefined;

    const shape = this.currentShape();
    // The last `history` stored shapes end 1, 2, … rows before this one; the candidates are
    // those ending at least `length` rows back.
    const stored = this.shapes.length / bins;
    const first = Math.max(0, stored - history);
    const candidates = stored - first - (length - 1);
    let novelty: number | undefined;
    this.repeat = false;
    if (candidates >= MIN_CANDIDATES) {
      const range = this.max - this.min || 1;
      const nearest = this.nearestSquaredDistance(shape, first, candidates);
      novelty = Math.max(0, Math.sqrt(nearest / bins) / range - SAME_SHAPE);
      if (novelty === 0) this.repeat = this.anyExactRepeat(shape, first, candidates, stored, range);
    }
    this.shapes.push(...shape);
    this.ends.push(value);
    // Trimmed in batches of `history` shapes, not one per row: one copy per `history` rows.
    if (stored + 1 >= 2 * history) {
      this.shapes.splice(0, (stored + 1 - history) * bins);
      this.ends.splice(0, Math.max(0, this.ends.length - history));
    }
    if (novelty === undefined) return undefined;
    let rarity = this.novelties.size >= length ? exceedance(this.novelties.sorted, novelty, this.config.tail) : undefined;
    const { recordWarmup } = this.config;
    const bound = recordWarmup === undefined || recordWarmup === null ? undefined : recordBound(this.novelties.sorted, novelty, recordWarmup);
    if (bound !== undefined) rarity = Math.min(rarity ?? 1, bound);
    this.novelties.push(novelty);
    return rarity;
  }

  private currentShape(): number[] {
    const shape: number[] = [];
    for (let start = 0; start < this.recent.length; start += this.binLength) {
      let sum = 0;
      for (let i = start; i < start + this.binLength; i++) sum += this.recent[i];
      shape.push(sum / this.binLength);
    }
    return shape;
  }

  /** Whether a candidate as near as novelty 0 also ended with the last `binLength` values, each within SAME_SHAPE of the range. */
  private anyExactRepeat(shape: readonly number[], first: number, candidates: number, stored: number, range: number): boolean {
    const { bins } = this.config;
    const sameDistance = (SAME_SHAPE * range) ** 2 * bins;
    const tolerance = SAME_SHAPE * range;
    const tail = this.recent.slice(-this.binLength);
    // `ends` is aligned with the stored shapes from the end; shape c ended at ends[c - offset].
    const offset = stored - this.ends.length;
    for (let c = first; c < first + candidates; c++) {
      const end = c - offset;
      if (end - this.binLength + 1 < 0) continue;
      if (this.squaredDistance(shape, c, sameDistance) > sameDistance) continue;
      let equal = true;
      for (let k = 0; k < this.binLength && equal; k++) equal = Math.abs(tail[k] - this.ends[end - this.binLength + 1 + k]) <= tolerance;
      if (equal) return true;
    }
    return false;
  }

  /** Smallest squared distance from `shape` to `candidates` stored shapes from the `first`. */
  private nearestSquaredDistance(shape: readonly number[], first: number, candidates: number): number {
    let best = Infinity;
    for (let c = first; c < first + candidates; c++) best = Math.min(best, this.squaredDistance(shape, c, best));
    return best;
  }

  /** Squared distance from `shape` to stored shape `c`; stops adding once past `limit` (the caller only needs to know it is farther). */
  private squaredDistance(shape: readonly number[], c: number, limit: number): number {
    const { bins } = this.config;
    const shapes = this.shapes;
    const offset = c * bins;
    let distance = 0;
    for (let b = 0; b < bins && distance <= limit; b++) {
      const d = shape[b] - shapes[offset + b];
      distance += d * d;
    }
    return distance;
  }

  snapshot(): ShapeNoveltySnapshot {
    const { bins, history } = this.config;
    return {
      recent: [...this.recent],
      shapes: this.shapes.slice(Math.max(0, this.shapes.length - history * bins)),
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      novelties: this.novelties.snapshot(),
      ends: this.ends.slice(Math.max(0, this.ends.length - history)),
    };
  }
}
