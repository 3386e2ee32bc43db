/**
 * NAB on five sets of labelled series, each in NAB's layout:
 * - test/fixtures/nab, the 11 files the univariate scorer's parameters were chosen on: per
 *   profile, per category, and with each category's threshold fitted on the other category only;
 * - test/fixtures/nab-heldout, nab-heldout2, nab-heldout3 and nab-heldout4, files held out from
 *   that tuning (the fourth from every choice made so far): scored as `adstream score-nab` scores
 *   any directory (threshold fitted on its files), and at the thresholds fitted on the first set,
 *   applied unchanged;
 * - all of them together under one threshold per profile, as the score of a mixed corpus.
 * Beside each, NAB's published detectors on the same files, from their own published per-file
 * scores (<set>/published/scores.csv, detectors/nab/publishedScores.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readNabCorpus, type NabSeries } from '../../detectors/nab/nabCorpus.ts';
import { categoryOf, leaveOneCategoryOut, perCategory, scoreCorpus, scoreProfiles } from '../../detectors/nab/nabRun.ts';
import { NAB_PROFILES, scoreNab, type ScoredFile } from '../../detectors/nab/nabScorer.ts';
import { corpusScore, parsePublishedScores, subsetScore, type PublishedFileScore } from '../../detectors/nab/publishedScores.ts';
import { SERIES_DETECTORS, type SeriesDetectorName } from '../../detectors/univariate/seriesDetectors.ts';
import { fixed, int, markdownTable } from './table.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const TUNED = join(FIXTURES, 'nab');

/** NAB's published detectors: the name in numenta/NAB's results, and the name people know. */
const PUBLISHED: [string, string][] = [
  ['ARTime', 'ARTime'],
  ['numenta', 'Numenta HTM'],
  ['randomCutForest', 'Random Cut Forest'],
  ['twitterADVec', 'Twitter ADVec'],
];

const DETECTORS = Object.keys(SERIES_DETECTORS) as SeriesDetectorName[];
const [STANDARD] = NAB_PROFILES;

const corpusSummary = (corpus: readonly NabSeries[]): string => {
  const rows = corpus.reduce((a, s) => a + s.values.length, 0);
  const windows = corpus.reduce((a, s) => a + s.windows.length, 0);
  return `${corpus.length} files, ${int(rows)} rows, ${windows} anomaly windows, categories ${[...new Set(corpus.map((s) => categoryOf(s.name)))].join(', ')}`;
};

async function readPublished(dir: string): Promise<PublishedFileScore[]> {
  return parsePublishedScores(await readFile(join(dir, 'published/scores.csv'), 'utf8'));
}

/** Rows of the published detectors on `corpus`, normalised over its windows. */
function publishedRows(corpus: readonly NabSeries[], published: readonly PublishedFileScore[], totals: readonly PublishedFileScore[]): string[][] {
  const windowsPerFile = new Map(corpus.map((s) => [s.name, s.windows.length]));
  return PUBLISHED.map(([id, label]) => [
    `${label} (published; ${fixed(corpusScore(totals, id, STANDARD), 1)} on the corpus)`,
    "NAB's 58 files",
    ...NAB_PROFILES.map((p) => fixed(subsetScore(published, id, p, windowsPerFile), 1)),
  ]);
}

interface HeldOutSet {
  dir: string;
  /** What the set is and how it relates to the scorer's tuning (markdown). */
  about: string;
}

/** The scorer's changes chosen on all 58 files, the held-out sets among them. */
const CHOSEN_ON_ALL_FILES =
  'on 2026-12-05 the held climb, the look-elsewhere correction, the three record rules, the blip rule and the day of ' +
  "novelties the shape test ranks among, and on 2026-12-06 the value tests' tail floor and the departure record's " +
  'median of 200 values';

const HELD_OUT_SETS: HeldOutSet[] = [
  {
    dir: 'nab-heldout',
    about:
      "files of NAB's corpus held out from the tuning of adstream's scorer (six later changes, combining five scales, " +
      'the shape test, the tail fit, the effect size, the habit test and the level test, were chosen with them in view, and ' +
      `${CHOSEN_ON_ALL_FILES} were chosen on all 58 files; see their README)`,
  },
  {
    dir: 'nab-heldout2',
    about:
      "files of NAB's corpus copied after the shape test was committed; the first ten scored 43.2 before anything was " +
      'chosen with them in view, and four later changes (the tail fit, the effect size, the habit test, the level test) were, ' +
      `as were ${CHOSEN_ON_ALL_FILES} (chosen on all 58 files); see their README`,
  },
  {
    dir: 'nab-heldout3',
    about:
      "files of NAB's corpus copied on 2026-12-04; they scored 38.7 before anything was chosen with them in view, and " +
      `one later change (the level test) was, as were ${CHOSEN_ON_ALL_FILES} (chosen on all 58 files); see their README`,
  },
  {
    dir: 'nab-heldout4',
    about:
      "the last nine files of NAB's corpus, copied on 2026-12-04 after every choice in the scorer had been made, the level " +
      `test included, the clean hold-out for those; ${CHOSEN_ON_ALL_FILES} were chosen on all 58 files, these among them (see their README)`,
  },
];

/** Every set's series, published scores and per-detector scored files, gathered as the sections score them. */
interface AllSets {
  corpus: NabSeries[];
  published: PublishedFileScore[];
  files: Map<SeriesDetectorName, ScoredFile[]>;
}

function gather(all: AllSets, corpus: readonly NabSeries[], published: readonly PublishedFileScore[]): void {
  all.corpus.push(...corpus);
  all.published.push(...published);
}

function gatherFiles(all: AllSets, name: SeriesDetectorName, files: readonly ScoredFile[]): void {
  all.files.set(name, [...(all.files.get(name) ?? []), ...files]);
}

/** One held-out set: every detector at its own fitted threshold and at the tuned set's, per category, beside the published detectors. */
async function heldOutSection(set: HeldOutSet, tunedThresholds: Map<SeriesDetectorName, number[]>, tunedCount: number, tunedPublished: readonly PublishedFileScore[], all: AllSets, log: (m: string) => void): Promise<string> {
  const dir = join(FIXTURES, set.dir);
  const corpus = await readNabCorpus(dir);
  const published = await readPublished(dir);
  gather(all, corpus, published);
  const categories = [...new Set(corpus.map((s) => categoryOf(s.name)))];
  const rows: string[][] = [];
  const categoryRows: string[][] = [];
  for (const name of DETECTORS) {
    log(`NAB: ${name} over ${set.dir} (${corpus.length} files)`);
    const files: ScoredFile[] = scoreCorpus(corpus, SERIES_DETECTORS[name]);
    gatherFiles(all, name, files);
    const results = scoreProfiles(files);
    rows.push([name, 'these files', ...results.map((r) => fixed(r.normalized, 1))]);
    rows.push([name, `the ${tunedCount} tuned files`, ...tunedThresholds.get(name)!.map((threshold, i) => fixed(scoreNab(files, NAB_PROFILES[i], threshold).normalized, 1))]);
    const within = perCategory(results[0], files, STANDARD);
    for (const category of categories) {
      categoryRows.push([name, category, String(files.filter((f) => categoryOf(f.name) === category).length), fixed(within[category], 1)]);
    }
  }
  rows.push(...publishedRows(corpus, published, tunedPublished));
  for (const [id] of PUBLISHED) {
    for (const category of categories) {
      const windows = new Map(corpus.filter((s) => categoryOf(s.name) === category).map((s) => [s.name, s.windows.length]));
      categoryRows.push([id, category, String(windows.size), fixed(subsetScore(published, id, STANDARD, windows), 1)]);
    }
  }
  return `
### Held out: \`test/fixtures/${set.dir}\`

${corpusSummary(corpus)}: ${set.about}. *these files* is what
\`node stream/cli/bin.js score-nab test/fixtures/${set.dir}\` prints (the threshold fitted on them, as
NAB fits it on its corpus); *the ${tunedCount} tuned files* applies the thresholds fitted there unchanged.
NAB's published detectors are normalised over the same files from their published per-file scores.

${markdownTable({ headers: ['detector', 'threshold fitted on', ...NAB_PROFILES.map((p) => p.name)], rows, numeric: [2, 3, 4] })}

Per category, standard profile (adstream and the windowed Gaussian at the threshold fitted on all
files of this set; the published detectors at NAB's).

${markdownTable({ headers: ['detector', 'category', 'files', 'standard'], rows: categoryRows, numeric: [2, 3] })}
`;
}

/**
 * Every fixture file as one corpus, one threshold per profile: the closest thing here to scoring
 * a mixed corpus of unseen files. The files were scored by the sections above; only the
 * threshold is fitted again, over all of them.
 */
function combinedSection(all: AllSets, tunedPublished: readonly PublishedFileScore[]): string {
  const { corpus, published } = all;
  const rows: string[][] = DETECTORS.map((name) => [name, 'these files', ...scoreProfiles(all.files.get(name)!).map((r) => fixed(r.normalized, 1))]);
  rows.push(...publishedRows(corpus, published, tunedPublished));
  return `
### All fixture files together

${corpusSummary(corpus)}: the five sets above as one corpus, with one threshold per profile fitted
over all of them, as \`score-nab\` fits it on any directory (\`adstream score-nab\` on a directory
holding all five sets' files and labels prints the same).

${markdownTable({ headers: ['detector', 'threshold fitted on', ...NAB_PROFILES.map((p) => p.name)], rows, numeric: [2, 3, 4] })}
`;
}

export async function benchNab(log: (m: string) => void): Promise<string> {
  const tuned = await readNabCorpus(TUNED);
  const tunedPublished = await readPublished(TUNED);
  const categories = [...new Set(tuned.map((s) => categoryOf(s.name)))];
  const tunedRows = tuned.reduce((a, s) => a + s.values.length, 0);

  const profileRows: string[][] = [];
  const categoryRows: string[][] = [];
  const comparisonRows: string[][] = [];
  const tunedThresholds = new Map<SeriesDetectorName, number[]>();
  const all: AllSets = { corpus: [], published: [], files: new Map() };
  gather(all, tuned, tunedPublished);
  for (const name of DETECTORS) {
    log(`NAB: ${name} over ${tuned.length} tuned files`);
    const started = performance.now();
    const files = scoreCorpus(tuned, SERIES_DETECTORS[name]);
    const seconds = (performance.now() - started) / 1000;
    gatherFiles(all, name, files);
    const results = scoreProfiles(files);
    tunedThresholds.set(name, results.map((r) => r.threshold));
    profileRows.push([name, ...results.map((r) => fixed(r.normalized, 1)), int(tunedRows / seconds)]);
    const within = perCategory(results[0], files, STANDARD);
    const loco = NAB_PROFILES.map((p) => leaveOneCategoryOut(files, p));
    for (const category of categories) {
      const count = files.filter((f) => categoryOf(f.name) === category);
      categoryRows.push([name, category, String(count.length), fixed(within[category], 1), fixed(loco[0].byCategory[category], 1)]);
    }
    comparisonRows.push([name, 'these files', ...results.map((r) => fixed(r.normalized, 1))]);
    comparisonRows.push([name, 'the other category only', ...loco.map((l) => fixed(l.all, 1))]);
  }
  comparisonRows.push(...publishedRows(tuned, tunedPublished, tunedPublished));
  const heldOut: string[] = [];
  for (const set of HELD_OUT_SETS) heldOut.push(await heldOutSection(set, tunedThresholds, tuned.length, tunedPublished, all, log));
  heldOut.push(combinedSection(all, tunedPublished));
  return `
## NAB (test/bench/nab.ts)

Numenta Anomaly Benchmark scoring (NAB v1.1 SCORING.md: scaled-sigmoid window weights, earliest
detection per window, one threshold per profile optimised over all files, normalised so that
NAB's null detector is 0 and perfect is 100; where SCORING.md is silent, as NAB's code does it).
One parameter set for every file. *windowed-gaussian* is NAB's windowed Gaussian, run here: its
score is Φ(z), so only rises score high, as in NAB's published results files for it.

### The files the parameters were chosen on

\`test/fixtures/nab\`: ${corpusSummary(tuned)}. Same as
\`node stream/cli/bin.js score-nab test/fixtures/nab --detector <name>\`.

${markdownTable({ headers: ['detector', ...NAB_PROFILES.map((p) => p.name), 'rows/s'], rows: profileRows, numeric: [1, 2, 3, 4] })}

Per category, standard profile. *fitted on all* uses the threshold optimised over every file;
*fitted on the others* uses the threshold optimised over the other categories only (leave one
category out: the held-out files played no part in choosing it).

${markdownTable({ headers: ['detector', 'category', 'files', 'fitted on all', 'fitted on the others'], rows: categoryRows, numeric: [2, 3, 4] })}

The same ${tuned.length} files, every detector normalised over them: NAB's published detectors from their
own per-file raw scores (numenta/NAB \`results/<detector>/<detector>_<profile>_scores.csv\`, copied
into \`test/fixtures/nab/published/scores.csv\`), whose thresholds NAB fitted on its whole corpus of
58 files; adstream with its threshold fitted on these files, and with each category scored at the
threshold fitted on the other category (no threshold saw the files it scores). The corpus-wide
figures average over 47 files that are not here, so only this table compares like with like.

${markdownTable({ headers: ['detector', 'threshold fitted on', ...NAB_PROFILES.map((p) => p.name)], rows: comparisonRows, numeric: [2, 3, 4] })}

${heldOut.join('')}`;
}
