/**
 * NAB on the subset in test/fixtures/nab: our streaming scorer and NAB's windowed Gaussian run by
 * the same loader and scorer, per profile, per category, and with each category's threshold
 * fitted on the other category only (how much of a score is a threshold fitted to the files being
 * scored). Published numbers are quoted for orientation only: they are on NAB's full corpus.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readNabCorpus } from '../../detectors/nab/nabCorpus.ts';
import { categoryOf, leaveOneCategoryOut, perCategory, scoreCorpus, scoreProfiles } from '../../detectors/nab/nabRun.ts';
import { NAB_PROFILES } from '../../detectors/nab/nabScorer.ts';
import { SERIES_DETECTORS, type SeriesDetectorName } from '../../detectors/univariate/seriesDetectors.ts';
import { fixed, int, markdownTable } from './table.ts';

const NAB = join(import.meta.dirname, '../fixtures/nab');

/** NAB v1.1 scoreboard, standard profile, all 58 files (numenta/NAB README and its leaderboard). */
const PUBLISHED: [string, number][] = [
  ['ARTime', 74.9],
  ['Numenta HTM', 70.5],
  ['Random Cut Forest', 51.7],
  ['Twitter ADVec', 47.1],
  ['Windowed Gaussian', 39.6],
];

export async function benchNab(log: (m: string) => void): Promise<string> {
  const corpus = await readNabCorpus(NAB);
  const rows = corpus.reduce((a, s) => a + s.values.length, 0);
  const windows = corpus.reduce((a, s) => a + s.windows.length, 0);
  const categories = [...new Set(corpus.map((s) => categoryOf(s.name)))];
  const [standard] = NAB_PROFILES;

  const profileRows: string[][] = [];
  const categoryRows: string[][] = [];
  for (const name of Object.keys(SERIES_DETECTORS) as SeriesDetectorName[]) {
    log(`NAB: ${name} over ${corpus.length} files`);
    const started = performance.now();
    const files = scoreCorpus(corpus, SERIES_DETECTORS[name]);
    const seconds = (performance.now() - started) / 1000;
    const results = scoreProfiles(files);
    profileRows.push([name, ...results.map((r) => fixed(r.normalized, 1)), int(rows / seconds)]);
    const within = perCategory(results[0], files, standard);
    const loco = leaveOneCategoryOut(files, standard);
    for (const category of categories) {
      const count = files.filter((f) => categoryOf(f.name) === category);
      categoryRows.push([name, category, String(count.length), fixed(within[category], 1), fixed(loco[category], 1)]);
    }
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

Published standard-profile scores **on NAB's full corpus (58 files, 7 categories), not this
subset**, for orientation only; the subset's scores are not comparable with them one to one
(windowed Gaussian above is the same algorithm, scored here on the subset).

${markdownTable({ headers: ['detector (published, full NAB corpus)', 'standard'], rows: PUBLISHED.map(([n, s]) => [n, fixed(s, 1)]), numeric: [1] })}
`;
}
