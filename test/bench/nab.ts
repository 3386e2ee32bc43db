/**
 * NAB on the subset in test/fixtures/nab: our streaming scorer and NAB's windowed Gaussian run by
 * the same loader and scorer, per profile, per category, and with each category's threshold
 * fitted on the other category only (how much of a score is a threshold fitted to the files being
 * scored); beside them, NAB's published detectors on the same files, from their own published
 * per-file scores (test/fixtures/nab/published, detectors/nab/publishedScores.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readNabCorpus } from '../../detectors/nab/nabCorpus.ts';
import { categoryOf, leaveOneCategoryOut, perCategory, scoreCorpus, scoreProfiles } from '../../detectors/nab/nabRun.ts';
import { NAB_PROFILES } from '../../detectors/nab/nabScorer.ts';
import { corpusScore, parsePublishedScores, subsetScore } from '../../detectors/nab/publishedScores.ts';
import { SERIES_DETECTORS, type SeriesDetectorName } from '../../detectors/univariate/seriesDetectors.ts';
import { fixed, int, markdownTable } from './table.ts';

const NAB = join(import.meta.dirname, '../fixtures/nab');

/** NAB's published detectors: the name in numenta/NAB's results, and the name people know. */
const PUBLISHED: [string, string][] = [
  ['ARTime', 'ARTime'],
  ['numenta', 'Numenta HTM'],
  ['randomCutForest', 'Random Cut Forest'],
  ['twitterADVec', 'Twitter ADVec'],
];

export async function benchNab(log: (m: string) => void): Promise<string> {
  const corpus = await readNabCorpus(NAB);
  const rows = corpus.reduce((a, s) => a + s.values.length, 0);
  const windows = corpus.reduce((a, s) => a + s.windows.length, 0);
  const categories = [...new Set(corpus.map((s) => categoryOf(s.name)))];
  const [standard] = NAB_PROFILES;

  const profileRows: string[][] = [];
  const categoryRows: string[][] = [];
  const comparisonRows: string[][] = [];
  for (const name of Object.keys(SERIES_DETECTORS) as SeriesDetectorName[]) {
    log(`NAB: ${name} over ${corpus.length} files`);
    const started = performance.now();
    const files = scoreCorpus(corpus, SERIES_DETECTORS[name]);
    const seconds = (performance.now() - started) / 1000;
    const results = scoreProfiles(files);
    profileRows.push([name, ...results.map((r) => fixed(r.normalized, 1)), int(rows / seconds)]);
    const within = perCategory(results[0], files, standard);
    const loco = NAB_PROFILES.map((p) => leaveOneCategoryOut(files, p));
    for (const category of categories) {
      const count = files.filter((f) => categoryOf(f.name) === category);
      categoryRows.push([name, category, String(count.length), fixed(within[category], 1), fixed(loco[0].byCategory[category], 1)]);
    }
    comparisonRows.push([name, 'these files', ...results.map((r) => fixed(r.normalized, 1))]);
    comparisonRows.push([name, 'the other category only', ...loco.map((l) => fixed(l.all, 1))]);
  }
  const published = parsePublishedScores(await readFile(join(NAB, 'published/scores.csv'), 'utf8'));
  const windowsPerFile = new Map(corpus.map((s) => [s.name, s.windows.length]));
  for (const [id, label] of PUBLISHED) {
    comparisonRows.push([`${label} (published; ${fixed(corpusScore(published, id, standard), 1)} on the corpus)`, "NAB's 58 files", ...NAB_PROFILES.map((p) => fixed(subsetScore(published, id, p, windowsPerFile), 1))]);
  }

  return `
## NAB (test/bench/nab.ts)

Numenta Anomaly Benchmark scoring (NAB v1.1 SCORING.md: scaled-sigmoid window weights, earliest
detection per window, one threshold per profile optimised over all files, normalised so that
never firing is 0 and perfect is 100) on the subset in \`test/fixtures/nab\`: ${corpus.length} files,
${int(rows)} rows, ${windows} anomaly windows, categories ${categories.join(', ')}. One parameter
set for every file. Same as \`node stream/cli/bin.js score-nab test/fixtures/nab --detector <name>\`.

${markdownTable({ headers: ['detector', ...NAB_PROFILES.map((p) => p.name), 'rows/s'], rows: profileRows, numeric: [1, 2, 3, 4] })}

Per category, standard profile. *fitted on all* uses the threshold optimised over every file;
*fitted on the others* uses the threshold optimised over the other categories only (leave one
category out: the held-out files played no part in choosing it).

${markdownTable({ headers: ['detector', 'category', 'files', 'fitted on all', 'fitted on the others'], rows: categoryRows, numeric: [2, 3, 4] })}

The same ${corpus.length} files, every detector normalised over them: NAB's published detectors from their
own per-file raw scores (numenta/NAB \`results/<detector>/<detector>_<profile>_scores.csv\`, copied
into \`test/fixtures/nab/published/scores.csv\`), whose thresholds NAB fitted on its whole corpus of
58 files; adstream with its threshold fitted on these files, and with each category scored at the
threshold fitted on the other category (no threshold saw the files it scores). The corpus-wide
figures average over 47 files that are not here, so only this table compares like with like.

${markdownTable({ headers: ['detector', 'threshold fitted on', ...NAB_PROFILES.map((p) => p.name)], rows: comparisonRows, numeric: [2, 3, 4] })}
`;
}
