/**
 * `adstream score-nab <dir>`: runs a univariate detector (detectors/univariate: ours, or NAB's
 * windowed Gaussian as a same-run baseline) over every series
 * of a directory in NAB's layout, scores it with NAB's scorer under each profile (one threshold
 * per profile, optimised over all the files, as NAB does), prints per-file and total normalised
 * scores, and writes each file's per-row scores as `timestamp,value,anomaly_score`.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { ConfigError } from '../../config/load.ts';
import { NabCorpusError, readNabCorpus, readNabProfiles, type NabSeries } from '../../../detectors/nab/nabCorpus.ts';
import { scoreProfiles } from '../../../detectors/nab/nabRun.ts';
import { NAB_PROFILES, probationRows, scoredWindows, type NabProfile, type NabResult, type ScoredFile } from '../../../detectors/nab/nabScorer.ts';
import { SERIES_DETECTORS, isSeriesDetectorName } from '../../../detectors/univariate/seriesDetectors.ts';
import { printTable } from '../table.ts';
import { makeDirectory } from '../../../sinks/makeDirectory.ts';
import { failureMessage } from '../failureMessage.ts';

interface ScoreNabOptions {
  out?: string;
  detector: string;
}

async function writeScores(out: string, series: NabSeries, scores: readonly number[]): Promise<void> {
  const path = join(out, series.name);
  await makeDirectory(dirname(path));
  // The input's own cells, so the file lines up with the series text for text (a checker's diff or join).
  const lines = series.timestamps.map((ts, i) => `${ts},${series.valueTexts[i]},${scores[i]}`);
  await writeFile(path, `timestamp,value,anomaly_score\n${lines.join('\n')}\n`, 'utf8');
}

const one = (n: number): string => n.toFixed(1);

const isInside = (path: string, folder: string): boolean => {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

const listed = (names: string[]): string => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;

/** The corpus and its profiles (and where they came from), with a directory's mistakes as usage errors. */
async function readInput(dir: string): Promise<{ corpus: NabSeries[]; profiles: readonly NabProfile[]; profilesPath?: string }> {
  try {
    const corpus = await readNabCorpus(dir, {
      onMissing: (missing) => console.error(`adstream: ${missing.length} file(s) listed in labels/combined_windows.json are not under data/ and are not scored: ${listed(missing)}`),
      onUnlabelled: (unlabelled, elsewhere) =>
        console.error(`adstream: ${unlabelled.length} file(s) under data/ have no entry in labels/combined_windows.json and are not scored (no per-row scores either): ${listed(unlabelled)}${elsewhere.length > 0 ? `; ${elsewhere[0]}${elsewhere.length > 1 ? ` (and ${elsewhere.length - 1} more like it)` : ''}` : ''}`),
      onSkipped: (why) => console.error(`adstream: ${why}`),
      onGaps: (what) => console.error(`adstream: ${what}`),
      onFlatLayout: (what) => console.error(`adstream: ${what}`),
    });
    // NAB's own checkout carries its profiles; scoring under them keeps a changed cost matrix honest.
    const own = await readNabProfiles(dir);
    return { corpus, profiles: own?.profiles ?? NAB_PROFILES, profilesPath: own?.path };
  } catch (error) {
    if (error instanceof NabCorpusError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The scores' directory made before any scoring, so a place that cannot hold it is a usage error up front. */
async function makeOutput(out: string): Promise<void> {
  try {
    await makeDirectory(out);
  } catch (error) {
    throw new ConfigError(`--out ${out}: ${failureMessage(error)}`);
  }
}

/**
 * Score files under --out that this run did not write: left by an earlier run over other files
 * (./nab-scores is the default every run shares), they would be read as this run's. They are left
 * where they are, since they may be someone's, and named.
 */
async function noteEarlierScores(out: string, corpus: readonly NabSeries[]): Promise<void> {
  const written = new Set(corpus.map((series) => series.name));
  const csvFiles: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) csvFiles.push(relative(out, join(dir, entry.name)).split(sep).join('/'));
    }
  };
  await walk(out);
  const earlier = csvFiles.filter((name) => !written.has(name)).sort();
  if (earlier.length > 0) console.error(`adstream: ${out} also holds ${earlier.length} CSV file(s) this run did not write (an earlier run's?), left as they were: ${listed(earlier)}`);
}

/** What a directory's own profiles leave out of NAB's three, said beside their path. */
function otherThanNabs(profiles: readonly NabProfile[]): string {
  const absent = NAB_PROFILES.map((p) => p.name).filter((name) => !profiles.some((p) => p.name === name));
  return absent.length === 0 ? '' : ` (it has no ${absent.join(' or ')} profile, so ${absent.length === 1 ? 'that is' : 'those are'} not scored)`;
}

export function scoreNabCommand(): Command {
  return new Command('score-nab')
    .summary('Score the streaming anomaly detector on a directory in NAB layout (data/<category>/<file>.csv, labels/combined_windows.json).')
    .description(
      "Score the streaming anomaly detector on a directory in NAB layout (data/<category>/<file>.csv, labels/combined_windows.json): prints each file's and the total normalised NAB score (0 = NAB's null detector, 100 = perfect) under each cost profile (standard, reward_low_FP_rate, reward_low_FN_rate, or the directory's config/profiles.json), one threshold per profile fitted over all the files as NAB does, and writes each labelled file's per-row scores as timestamp,value,anomaly_score under --out.",
    )
    .argument('<dir>', 'NAB-layout directory, e.g. a NAB checkout or test/fixtures/nab', pathOption)
    .option('--out <dir>', 'where per-row scores go, one CSV per labelled data file (default: ./nab-scores)')
    .option('--detector <name>', `which detector to score: ${Object.keys(SERIES_DETECTORS).join(' or ')}`, 'adstream')
    .action(async (dir: string, options: ScoreNabOptions) => {
      const name = options.detector;
      if (!isSeriesDetectorName(name)) {
        throw new ConfigError(`--detector must be one of ${Object.keys(SERIES_DETECTORS).join(', ')}, but is "${name}".`);
      }
      const detector = SERIES_DETECTORS[name];
      const input = resolve(dir);
      if (options.out?.trim() === '') throw new ConfigError('--out needs a directory for the per-row scores, but is empty.');
      const out = resolve(options.out ?? './nab-scores');
      // Score files named like the input's would replace it, or be read as input by the next run.
      if (isInside(out, join(input, 'data'))) throw new ConfigError(`--out ${out} is inside ${join(input, 'data')}, where the series are read from; choose a directory outside it.`);
      const { corpus, profiles, profilesPath } = await readInput(input);
      // A window wholly in a file's probation period can be neither found nor missed (NAB scores no
      // row there), yet it counts toward the perfect score, as in NAB: the table shows it like any
      // other window, and its file's score can only be negative, so say why.
      for (const series of corpus) {
        const scored = scoredWindows({ scores: series.values, windows: series.windows });
        for (const [w, [first, last]] of series.windows.entries()) {
          if (scored[w]) continue;
          console.error(
            `adstream: ${series.name}: the window over rows ${series.timestamps[first]} to ${series.timestamps[last]} lies wholly in the first ${probationRows(series.values.length)} rows, NAB's probation period, where no row is scored: it can be neither found nor missed, and still counts toward the perfect score (as in NAB)`,
          );
        }
      }
      await makeOutput(out);
      const progress = process.stderr.isTTY ? (text: string) => process.stderr.write(`\r\x1b[K${text}`) : () => undefined;
      const files: ScoredFile[] = [];
      for (const [i, series] of corpus.entries()) {
        progress(`scoring ${i + 1}/${corpus.length}: ${series.name}`);
        const scores = detector(series.values, series.times);
        // NAB's windowed Gaussian overflows on values near 1e308 (its sums pass Number.MAX_VALUE).
        const noScore = scores.filter(Number.isNaN).length;
        if (noScore > 0) console.error(`adstream: ${name} gave ${noScore} of ${series.name}'s ${scores.length} rows no score (NaN); they are written as NaN and count as not firing`);
        await writeScores(out, series, scores);
        files.push({ name: series.name, scores, windows: series.windows });
      }
      progress('');
      await noteEarlierScores(out, corpus);
      const results: NabResult[] = scoreProfiles(files, profiles);
      const row = (file: string, rows: number, windows: number, cells: (r: NabResult) => [string, string]): Record<string, unknown> => {
        const out: Record<string, unknown> = { file, rows, windows };
        for (const r of results) [out[r.profile], out[`${r.profile} found/FP`]] = cells(r);
        return out;
      };
      const table = corpus.map((series, i) =>
        row(series.name, series.values.length, series.windows.length, (r) => [series.windows.length === 0 ? '—' : one(r.perFile[i].normalized), `${r.perFile[i].detected}/${r.perFile[i].falsePositives}`]),
      );
      const totalRows = corpus.reduce((a, s) => a + s.values.length, 0);
      const totalWindows = corpus.reduce((a, s) => a + s.windows.length, 0);
      // Without a window the null detector and a perfect one score the same: nothing to normalise by.
      const total = (r: NabResult): string => (totalWindows === 0 ? '—' : one(r.normalized));
      table.push(row('total', totalRows, totalWindows, (r) => [total(r), `θ ${r.threshold.toFixed(4)}`]));
      printTable(table);
      if (totalWindows === 0) console.log(`\nNo file has a labelled window, so no normalised NAB score exists (0 = NAB's null detector and 100 = perfect coincide); the found/FP columns count ${name}'s false alarms.`);
      else console.log(`\nNormalised NAB scores of ${name} (0 = NAB's null detector, 100 = perfect): ${results.map((r) => `${r.profile} ${one(r.normalized)}`).join(', ')}`);
      if (profilesPath) console.log(`cost profiles from ${profilesPath}${otherThanNabs(profiles)}`);
      console.log(`per-row scores written under ${out}`);
    });
}
