/**
 * Runs one detector over a NAB corpus and scores it: what `adstream score-nab` prints and what the
 * bench reports, in one place so both measure the same thing. Also the leave-one-category-out
 * check: the threshold is fitted on every other category and applied to the held-out one, which
 * says how much of a score comes from a threshold fitted to the very files being scored.
 */
import type { NabSeries } from './nabCorpus.ts';
import { NAB_PROFILES, nabBaseline, normalize, optimizeThreshold, scoreNab, type NabProfile, type NabResult, type ScoredFile } from './nabScorer.ts';
import type { SeriesDetector } from '../univariate/seriesDetectors.ts';

export const categoryOf = (name: string): string => name.split('/')[0];

export function scoreCorpus(corpus: readonly NabSeries[], detector: SeriesDetector): ScoredFile[] {
  return corpus.map((series) => ({ name: series.name, scores: detector(series.values, series.times), windows: series.windows }));
}

export const scoreProfiles = (files: readonly ScoredFile[], profiles: readonly NabProfile[] = NAB_PROFILES): NabResult[] =>
  profiles.map((profile) => scoreNab(files, profile));

/** Score of each category's files alone, with the threshold fitted on all the files. */
export function perCategory(result: NabResult, files: readonly ScoredFile[], profile: NabProfile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const category of [...new Set(files.map((f) => categoryOf(f.name)))]) {
    const mine = files.filter((f) => categoryOf(f.name) === category);
    out[category] = scoreNab(mine, profile, result.threshold).normalized;
  }
  return out;
}

/**
 * For each category: its score with the threshold fitted on the other categories only; and
 * `all`, the whole set scored that way (each category's raw score at its held-out threshold,
 * normalised over every window): a score none of whose thresholds saw the files it scores.
 */
export function leaveOneCategoryOut(files: readonly ScoredFile[], profile: NabProfile): { byCategory: Record<string, number>; all: number } {
  const byCategory: Record<string, number> = {};
  let raw = 0;
  for (const category of [...new Set(files.map((f) => categoryOf(f.name)))]) {
    const held = files.filter((f) => categoryOf(f.name) === category);
    const rest = files.filter((f) => categoryOf(f.name) !== category);
    const result = scoreNab(held, profile, optimizeThreshold(rest, profile));
    byCategory[category] = result.normalized;
    raw += result.raw;
  }
  return { byCategory, all: normalize(raw, nabBaseline(files, profile)) };
}
