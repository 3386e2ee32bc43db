/**
 * NAB's published detectors on a subset of its corpus. numenta/NAB publishes, per detector and
 * profile, each file's raw score at the threshold fitted on the whole corpus
 * (`results/<detector>/<detector>_<profile>_scores.csv`). Summing those raw scores over a subset
 * and normalising over the subset's windows gives what the detector scores on just those files,
 * which is the only fair comparison for a score measured on the subset: the corpus-wide figures
 * (ARTime 74.9, HTM 70.1) average over 47 files that are not here.
 *
 * Pure: parsing and arithmetic; reading the file is the caller's job.
 */
import { normalize, windowsBaseline, type NabProfile } from './nabScorer.ts';

export interface PublishedFileScore {
  detector: string;
  profile: string;
  /** `<category>/<file>.csv`, or `Totals` for the corpus-wide sum. */
  file: string;
  /** The threshold NAB fitted for this detector and profile (none on `Totals`). */
  threshold: number | undefined;
  score: number;
}

export const TOTALS = 'Totals';

/** NAB v1.1's whole corpus: 58 files holding 116 anomaly windows (its combined_windows.json). */
export const CORPUS_WINDOWS = 116;

const HEADER = 'detector,profile,file,threshold,score,commit';

/** Parses `detector,profile,file,threshold,score,commit` rows (the fixture's layout). */
export function parsePublishedScores(text: string): PublishedFileScore[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.shift()?.trim() !== HEADER) throw new Error(`published scores: expected the header "${HEADER}"`);
  return lines.map((line, i) => {
    const [detector, profile, file, threshold, raw] = line.split(',');
    const score = Number(raw);
    if (!detector || !profile || !file || raw === undefined || raw.trim() === '' || !Number.isFinite(score)) {
      throw new Error(`published scores: line ${i + 2} is not "${HEADER}": "${line}"`);
    }
    return { detector, profile, file, threshold: threshold ? Number(threshold) : undefined, score };
  });
}

/**
 * The normalised score of `detector` under `profile` on the files in `windowsPerFile` (file →
 * number of anomaly windows), from its published per-file raw scores. Throws if a file has no
 * published score: a subset score missing a file would look better or worse than it is.
 */
export function subsetScore(scores: readonly PublishedFileScore[], detector: string, profile: NabProfile, windowsPerFile: ReadonlyMap<string, number>): number {
  let raw = 0;
  let windows = 0;
  for (const [file, count] of windowsPerFile) {
    const row = scores.find((s) => s.detector === detector && s.profile === profile.name && s.file === file);
    if (!row) throw new Error(`published scores: no ${profile.name} score of ${detector} for ${file}`);
    raw += row.score;
    windows += count;
  }
  return normalize(raw, windowsBaseline(windows, profile));
}

/** The detector's published score on NAB's whole corpus, from its `Totals` row. */
export const corpusScore = (scores: readonly PublishedFileScore[], detector: string, profile: NabProfile): number =>
  subsetScore(scores, detector, profile, new Map([[TOTALS, CORPUS_WINDOWS]]));

export const publishedDetectors = (scores: readonly PublishedFileScore[]): string[] => [...new Set(scores.map((s) => s.detector))];
