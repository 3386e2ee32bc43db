/**
 * NAB's scoring of a streaming anomaly detector, implemented from the subset's SCORING.md
 * (Numenta Anomaly Benchmark v1.1, Ahmad et al. 2017): per-row weights from a scaled sigmoid
 * around labelled windows, the earliest detection in a window is what counts, one threshold per
 * profile for the whole set of files (the one that maximises the summed raw score), normalised
 * so NAB's null detector scores 0 and a perfect one 100.
 *
 * Where SCORING.md is silent, NAB's code (nab/sweeper.py, nab/runner.py) decides, since published
 * scores come from it: a window with no row after the probation period is left out of the raw
 * score (nothing can find it, so it is not missed) but still counts in the perfect score; and the
 * null detector is NAB's constant one at its own best threshold, so it fires on every row when
 * that scores better than never firing (a short file, or windows wide for their file).
 *
 * Pure: rows are indices, windows are inclusive index ranges; mapping timestamps to rows is the
 * loader's job (`nabCorpus.ts`).
 */

export interface NabProfile {
  name: string;
  tp: number;
  fp: number;
  fn: number;
}

/** profiles.json of NAB v1.1 (the tnWeight is unused by the scorer). */
export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tp: 1.0, fp: 0.11, fn: 1.0 },
  { name: 'reward_low_FP_rate', tp: 1.0, fp: 0.22, fn: 1.0 },
  { name: 'reward_low_FN_rate', tp: 1.0, fp: 0.11, fn: 2.0 },
];

/**
 * A window's rows [L, R], inclusive, and, when the next window starts on its labelled last row
 * and so takes that row (as NAB's sweeper enters a window before it leaves one), that labelled
 * last row: the sweeper still weighs the window's rows by their place in its labelled extent.
 */
export type WindowRows = readonly [first: number, last: number, labelledLast?: number];

/** One labelled file as the scorer sees it. */
export interface ScoredFile {
  name: string;
  /** Detector output a_i in [0, 1], one per row. */
  scores: readonly number[];
  /** Anomaly windows as inclusive row ranges, in time order, not overlapping. */
  windows: readonly WindowRows[];
}

/** s(y) = 2 / (1 + e^(5y)) − 1 for y ≤ 3, −1 beyond. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

export const MAX_TP = scaledSigmoid(-1);

/** Rows before this are not scored: min(floor(0.15 n), 750). */
export const probationRows = (n: number): number => Math.min(Math.floor(0.15 * n), 750);

/** The weight S_i of row i if it fires, and the window it falls in (or -1). */
export function rowWeights(rows: number, windows: ScoredFile['windows'], profile: NabProfile): { weight: Float64Array; window: Int32Array } {
  const weight = new Float64Array(rows);
  const window = new Int32Array(rows).fill(-1);
  let next = 0;
  let prev: WindowRows | undefined;
  for (let i = 0; i < rows; i++) {
    while (next < windows.length && windows[next][1] < i) prev = windows[next++];
    const w = windows[next];
    if (w && i >= w[0] && i <= w[1]) {
      const last = w[2] ?? w[1];
      const width = last - w[0] + 1;
      weight[i] = (profile.tp * scaledSigmoid(-(last - i + 1) / width)) / MAX_TP;
      window[i] = next;
    } else if (!prev) {
      weight[i] = -profile.fp;
    } else {
      const width = prev[1] - prev[0] + 1;
      // A one-row window gives y = x/0 = +Infinity: a full false-positive cost, as s(y > 3) = −1.
      weight[i] = profile.fp * scaledSigmoid((i - prev[1]) / (width - 1));
    }
  }
  return { weight, window };
}

/** Whether each window has a row after the probation period: only those can be found or missed (NAB's sweeper). */
export function scoredWindows(file: Pick<ScoredFile, 'scores' | 'windows'>): boolean[] {
  const probation = probationRows(file.scores.length);
  return file.windows.map(([, right]) => right >= probation);
}

/** Raw score of one file if the rows `fires` picks fire. */
function rawScoreOf(file: ScoredFile, profile: NabProfile, fires: (i: number) => boolean): number {
  const { weight, window } = rowWeights(file.scores.length, file.windows, profile);
  const probation = probationRows(file.scores.length);
  const best: number[] = file.windows.map(() => -Infinity);
  let total = 0;
  for (let i = probation; i < file.scores.length; i++) {
    if (!fires(i)) continue;
    if (window[i] >= 0) best[window[i]] = Math.max(best[window[i]], weight[i]);
    else total += weight[i];
  }
  const scored = scoredWindows(file);
  best.forEach((b, w) => {
    if (scored[w]) total += b === -Infinity ? -profile.fn : b;
  });
  return total;
}

/** Raw score of one file at threshold theta. */
export const rawFileScore = (file: ScoredFile, theta: number, profile: NabProfile): number => rawScoreOf(file, profile, (i) => file.scores[i] >= theta);

/** What normalising maps to 0 and to 100. */
export interface NabBaseline {
  /** NAB's null detector at its best threshold over the files: the better of never firing and firing on every row. */
  none: number;
  /** Every window found on its first row. */
  perfect: number;
}

/** Never firing and firing on every row, per file: the two thresholds NAB's constant null detector can have. */
function nullScores(file: ScoredFile, profile: NabProfile): { never: number; always: number } {
  return { never: -profile.fn * scoredWindows(file).filter(Boolean).length, always: rawScoreOf(file, profile, () => true) };
}

/**
 * The baseline of `files` as a whole and of each of them, all under the one threshold NAB's null
 * detector takes over the whole set (it has one threshold for the set, as every detector).
 */
export function nabBaselines(files: readonly ScoredFile[], profile: NabProfile): { total: NabBaseline; perFile: NabBaseline[] } {
  const scores = files.map((file) => nullScores(file, profile));
  const firesEverywhere = scores.reduce((a, s) => a + s.always, 0) > scores.reduce((a, s) => a + s.never, 0);
  const perFile = scores.map((s, i) => ({ none: firesEverywhere ? s.always : s.never, perfect: profile.tp * files[i].windows.length }));
  const total = perFile.reduce((a, b) => ({ none: a.none + b.none, perfect: a.perfect + b.perfect }), { none: 0, perfect: 0 });
  return { total, perFile };
}

export const nabBaseline = (files: readonly ScoredFile[], profile: NabProfile): NabBaseline => nabBaselines(files, profile).total;

/**
 * The baseline from window counts alone, for raw scores whose rows are not at hand (NAB's
 * published per-file scores): exact when no window lies in a probation period and never firing
 * beats firing everywhere, as on every file of NAB's corpus.
 */
export const windowsBaseline = (windows: number, profile: NabProfile): NabBaseline => ({ none: -profile.fn * windows, perfect: profile.tp * windows });

export interface NabResult {
  profile: string;
  threshold: number;
  raw: number;
  normalized: number;
  perFile: { name: string; raw: number; normalized: number; windows: number; detected: number; falsePositives: number }[];
}

/**
 * The threshold that maximises the summed raw score over all files (candidates: every distinct
 * a_i and 1.1, never firing; a NaN score is no candidate and never fires). Rows sorted by score descending are "fired" group by group; a
 * window's contribution only improves when an earlier row of it fires, so one sweep finds the
 * total at every candidate in O(N log N). Ties keep the higher threshold (fewer alerts).
 */
export function optimizeThreshold(files: readonly ScoredFile[], profile: NabProfile): number {
  const entries: { score: number; file: number; row: number }[] = [];
  const weights = files.map((f) => rowWeights(f.scores.length, f.windows, profile));
  files.forEach((f, file) => {
    const probation = probationRows(f.scores.length);
    // A NaN score fires at no threshold (NaN >= θ is false, as in rawFileScore), and as a group of
    // equal scores it would never end: NaN === NaN is false, so the sweep below would not advance.
    for (let row = probation; row < f.scores.length; row++) if (!Number.isNaN(f.scores[row])) entries.push({ score: f.scores[row], file, row });
  });
  entries.sort((a, b) => b.score - a.score);
  // A window nothing can find is worth 0 from the start and stays so (its rows are all in probation).
  const best = files.map((f) => scoredWindows(f).map((scored) => (scored ? -profile.fn : 0)));
  let total = best.reduce((a, w) => a + w.reduce((x, y) => x + y, 0), 0);
  let bestTotal = total;
  let bestTheta = 1.1;
  for (let k = 0; k < entries.length; ) {
    const score = entries[k].score;
    for (; k < entries.length && entries[k].score === score; k++) {
      const { file, row } = entries[k];
      const { weight, window } = weights[file];
      const w = window[row];
      if (w < 0) total += weight[row];
      else if (weight[row] > best[file][w]) {
        total += weight[row] - best[file][w];
        best[file][w] = weight[row];
      }
    }
    if (total > bestTotal + 1e-12) {
      bestTotal = total;
      bestTheta = score;
    }
  }
  return bestTheta;
}

/** 100·(raw − null) / (perfect − null); 0 when the two coincide (no windows). */
export function normalize(raw: number, { none, perfect }: NabBaseline): number {
  return perfect === none ? 0 : (100 * (raw - none)) / (perfect - none);
}

/**
 * Scores a set of files under one profile, with the threshold optimised over the whole set unless
 * one is given (a threshold fitted on other files measures how well it carries over).
 */
export function scoreNab(files: readonly ScoredFile[], profile: NabProfile, threshold = optimizeThreshold(files, profile)): NabResult {
  const baselines = nabBaselines(files, profile);
  const perFile = files.map((file, f) => {
    const raw = rawFileScore(file, threshold, profile);
    const probation = probationRows(file.scores.length);
    const { window } = rowWeights(file.scores.length, file.windows, profile);
    const hit = new Set<number>();
    let falsePositives = 0;
    for (let i = probation; i < file.scores.length; i++) {
      if (!(file.scores[i] >= threshold)) continue;
      if (window[i] >= 0) hit.add(window[i]);
      else falsePositives += 1;
    }
    return { name: file.name, raw, normalized: normalize(raw, baselines.perFile[f]), windows: file.windows.length, detected: hit.size, falsePositives };
  });
  const raw = perFile.reduce((a, f) => a + f.raw, 0);
  return { profile: profile.name, threshold, raw, normalized: normalize(raw, baselines.total), perFile };
}
