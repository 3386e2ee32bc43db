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
 *    tailCalibration.ts.
 *
 * A nearest-neighbour search per row: `history` × `bins` operations at most (the search stops
 * early on a shape already farther than the best). Pure and JSON-snapshotable.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { exceedance } from './tailCalibration.ts';

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
}

export interface ShapeNoveltySnapshot {
  recent: number[];
  /** Shapes of the last `history` rows, oldest first, `bins` numbers each. */
  shapes: number[];
  min: number | null;
  max: number | null;
  novelties: SortedWindowState;
}

/**
 * Distances under 0.1 % of the range are no difference: without this, a series that repeats
 * exactly (a noiseless daily pattern) has novelties of float rounding only, and the first
 * slightly larger rounding error ranks as the rarest shape ever seen.
 */
const SAME_SHAPE = 1e-3;
/** Novelties needed before one is ranked among them. */
const MIN_RANKED = 20;
/** Candidate shapes needed before a nearest one means anything. */
const MIN_CANDIDATES = 6;

export class ShapeNovelty {
  private readonly recent: number[];
  private readonly shapes: number[];
  private min: number;
  private max: number;
  private readonly novelties: SortedWindow;
  private readonly binLength: number;

  constructor(
    private readonly config: ShapeNoveltyConfig,
    snapshot?: ShapeNoveltySnapshot,
  ) {
    const { length, bins, history } = config;
    if (!(bins >= 1 && length % bins === 0)) throw new RangeError(`a shape of ${length} rows cannot be cut into ${bins} equal bins`);
    if (!(history > length)) throw new RangeError(`history (${history} rows) must exceed the shape length (${length})`);
    this.binLength = length / bins;
    this.recent = snapshot ? [...snapshot.recent] : [];
    this.shapes = snapshot ? [...snapshot.shapes] : [];
    this.min = snapshot?.min ?? Infinity;
    this.max = snapshot?.max ?? -Infinity;
    this.novelties = new SortedWindow(config.memory, snapshot ? structuredClone(snapshot.novelties) : undefined);
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
    if (candidates >= MIN_CANDIDATES) {
      const nearest = this.nearestSquaredDistance(shape, first, candidates);
      novelty = Math.max(0, Math.sqrt(nearest / bins) / (this.max - this.min || 1) - SAME_SHAPE);
    }
    this.shapes.push(...shape);
    // Trimmed in batches of `history` shapes, not one per row: one copy per `history` rows.
    if (stored + 1 >= 2 * history) this.shapes.splice(0, (stored + 1 - history) * bins);
    if (novelty === undefined) return undefined;
    const rarity = this.novelties.size >= MIN_RANKED ? exceedance(this.novelties.sorted, novelty, this.config.tail) : undefined;
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

  /** Smallest squared distance from `shape` to `candidates` stored shapes from the `first`. */
  private nearestSquaredDistance(shape: readonly number[], first: number, candidates: number): number {
    const { bins } = this.config;
    const shapes = this.shapes;
    let best = Infinity;
    for (let c = first; c < first + candidates; c++) {
      const offset = c * bins;
      let distance = 0;
      for (let b = 0; b < bins && distance < best; b++) {
        const d = shape[b] - shapes[offset + b];
        distance += d * d;
      }
      if (distance < best) best = distance;
    }
    return best;
  }

  snapshot(): ShapeNoveltySnapshot {
    const { bins, history } = this.config;
    return {
      recent: [...this.recent],
      shapes: this.shapes.slice(Math.max(0, this.shapes.length - history * bins)),
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      novelties: this.novelties.snapshot(),
    };
  }
}
