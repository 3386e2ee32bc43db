/**
 * `adstream score-nab` as a user runs it, on the NAB subset in test/fixtures/nab: one score file
 * per data file, row for row, and our detector ahead of NAB's windowed Gaussian measured in the
 * same run by the same scorer (a comparison, so retuning either does not break the test).
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adstream } from '../support/cli.ts';

const NAB = join(import.meta.dirname, '../fixtures/nab');



/** The standard profile's total from the command's summary line. */
function standardTotal(stdout: string): number {
  const match = /Normalised NAB scores of [\w-]+ .*?: standard (-?\d+(?:\.\d+)?)/.exec(stdout);
  if (!match) throw new Error(`no summary line in:\n${stdout}`);
  return Number(match[1]);
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-nab-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('adstream score-nab', () => {
  it('writes one score file per data file, row for row, and beats the windowed Gaussian on the standard profile', async () => {
    const [ours, gaussian] = await Promise.all([
      adstream(['score-nab', NAB, '--out', join(dir, 'adstream')]),
      adstream(['score-nab', NAB, '--out', join(dir, 'gaussian'), '--detector', 'windowed-gaussian']),
    ]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(gaussian.code, gaussian.stderr).toBe(0);

    for (const category of await readdir(join(NAB, 'data'))) {
      for (const file of (await readdir(join(NAB, 'data', category))).filter((f) => f.endsWith('.csv'))) {
        const input = lines(await readFile(join(NAB, 'data', category, file), 'utf8'));
        for (const detector of ['adstream', 'gaussian']) {
          const output = lines(await readFile(join(dir, detector, category, file), 'utf8'));
          expect(output[0], `${detector} ${file}`).toBe('timestamp,value,anomaly_score');
          expect(output.length, `${detector} ${file}`).toBe(input.length);
          for (const line of output.slice(1)) {
            const score = Number(line.split(',')[2]);
            expect(score >= 0 && score <= 1, `${detector} ${file}: ${line}`).toBe(true);
          }
        }
      }
    }

    expect(standardTotal(ours.stdout)).toBeGreaterThan(standardTotal(gaussian.stdout));
  });

  it("writes each row's timestamp and value as the input writes them, so the scores line up with it text for text", async () => {
    // It wrote the values as numbers print (20.0 as 20, NAB's art_daily_flatmiddle -1.03989471325053E-005
    // as -0.0000103989471325053: 22 of NAB's 58 files) and cut a zero fraction off the timestamps.
    const corpus = join(dir, 'as-written');
    const rows = ['2014-04-01 00:00:00.000000,20.0', '2014-04-01T00:05:00,-1.03989471325053E-005', '"2014-04-01 00:10:00",7', '2014-04-01 00:15:00,+0.50'];
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), `timestamp,value\r\n${rows.join('\r\n')}\r\n`);
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), JSON.stringify({ 'x/a.csv': [] }));
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'as-written-out')]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const written = lines(await readFile(join(dir, 'as-written-out', 'x', 'a.csv'), 'utf8'));
    expect(written.map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      'timestamp,value',
      '2014-04-01 00:00:00.000000,20.0',
      '2014-04-01T00:05:00,-1.03989471325053E-005',
      '2014-04-01 00:10:00,7',
      '2014-04-01 00:15:00,+0.50',
    ]);
  });

  it('says in --help what it prints and writes, not only what it reads', async () => {
    const outcome = await adstream(['score-nab', '--help']);
    expect(outcome.code).toBe(0);
    const help = outcome.stdout.replace(/\s+/g, ' ');
    for (const said of ['standard, reward_low_FP_rate, reward_low_FN_rate', 'one threshold per profile fitted over all the files', 'timestamp,value,anomaly_score']) expect(help).toContain(said);
  });

  it('exits non-zero with one sentence when the directory is not in NAB layout', async () => {
    const outcome = await adstream(['score-nab', join(dir, 'nowhere'), '--out', join(dir, 'unused')]);
    expect(outcome.code).not.toBe(0);
    const message = outcome.stderr.trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(join(dir, 'nowhere'));
    expect(message).toContain("NAB's layout");
  });

  it('reads the category folders beside combined_windows.json, as the NAB subset shipped with the task lays them out, to the scores of NAB\'s layout', async () => {
    // <dir>/<category>/<file>.csv beside <dir>/combined_windows.json: the command refused it,
    // saying only that <dir>/data is missing.
    const flat = join(dir, 'flat');
    const nested = join(dir, 'nested');
    await cp(join(NAB, 'data', 'realAdExchange'), join(flat, 'realAdExchange'), { recursive: true });
    await cp(join(NAB, 'labels', 'combined_windows.json'), join(flat, 'combined_windows.json'));
    await cp(join(NAB, 'data', 'realAdExchange'), join(nested, 'data', 'realAdExchange'), { recursive: true });
    await cp(join(NAB, 'labels', 'combined_windows.json'), join(nested, 'labels', 'combined_windows.json'));
    const fromFlat = await adstream(['score-nab', flat, '--out', join(dir, 'flat-out')]);
    const fromNested = await adstream(['score-nab', nested, '--out', join(dir, 'nested-out')]);
    expect(fromFlat.code, fromFlat.stderr).toBe(0);
    expect(fromNested.code, fromNested.stderr).toBe(0);
    expect(fromFlat.stdout.replaceAll(flat, '<dir>')).toBe(fromNested.stdout.replaceAll(nested, '<dir>'));
    expect(fromFlat.stderr).toContain(`${flat} has no data/ folder but ${join(flat, 'combined_windows.json')} beside its category folders: read as they lie`);
    const perRow = (out: string) => readFile(join(out, 'realAdExchange', 'exchange-2_cpc_results.csv'), 'utf8');
    expect(await perRow(join(dir, 'flat-out'))).toBe(await perRow(join(dir, 'nested-out')));
  });

  it('exits 2 with one sentence naming the labels file when data/ is there and it is not', async () => {
    // It said "cannot read NAB windows <path>: ENOENT: no such file or directory, open '<path>'".
    const corpus = join(dir, 'no-labels');
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n');
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'no-labels-out')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(
      `adstream: ${corpus} is not in NAB's layout: ${join(corpus, 'labels', 'combined_windows.json')} is missing (expected data/<category>/<file>.csv and labels/combined_windows.json).`,
    );
  });

  it('says what combined_labels.json lacks when it stands where combined_windows.json should', async () => {
    const corpus = join(dir, 'points-only');
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n');
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_labels.json'), JSON.stringify({ 'x/a.csv': ['2014-01-01 00:00:00'] }));
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'points-only-out')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(
      `adstream: ${corpus} is not in NAB's layout: ${join(corpus, 'labels', 'combined_windows.json')} is missing (expected data/<category>/<file>.csv and labels/combined_windows.json). ${join(corpus, 'labels', 'combined_labels.json')} is there, but it holds NAB's anomaly points, and NAB scores the windows around them (its scripts/combine_labels.py writes both files).`,
    );
  });

  it('exits 2 with one line when the labels file is not JSON, though the parser quotes it across lines', async () => {
    const corpus = join(dir, 'garbage-labels');
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n');
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), 'garbage here\nmore\n');
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'garbage-out')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim().split('\n')).toEqual([
      `adstream: cannot read NAB windows ${join(corpus, 'labels', 'combined_windows.json')}: Unexpected token 'g', "garbage here more " is not valid JSON`,
    ]);
  });

  it('scores the files that are there and names the labelled ones that are not', async () => {
    // A corpus copied in part: the labels still list every file, data/ holds one category.
    const partial = join(dir, 'partial');
    await cp(join(NAB, 'labels'), join(partial, 'labels'), { recursive: true });
    await cp(join(NAB, 'data', 'realAdExchange'), join(partial, 'data', 'realAdExchange'), { recursive: true });
    const labelled = Object.keys(JSON.parse(await readFile(join(NAB, 'labels', 'combined_windows.json'), 'utf8')) as object);
    const absent = labelled.filter((name) => !name.startsWith('realAdExchange/')).sort();
    expect(absent.length).toBeGreaterThan(5);

    const outcome = await adstream(['score-nab', partial, '--out', join(dir, 'partial-scores')]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr.trim()).toBe(
      `adstream: ${absent.length} file(s) listed in labels/combined_windows.json are not under data/ and are not scored: ${absent.slice(0, 5).join(', ')}, …`,
    );
    expect(lines(outcome.stdout).filter((l) => l.startsWith('realAdExchange/'))).toHaveLength(labelled.length - absent.length);
  });

  it('says no normalised score exists when no file has a labelled window, instead of printing 0', async () => {
    const corpus = join(dir, 'no-windows');
    await cp(join(NAB, 'data', 'realAdExchange', 'exchange-2_cpc_results.csv'), join(corpus, 'data', 'x', 'a.csv'));
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), JSON.stringify({ 'x/a.csv': [] }));
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'no-windows-out')]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain('No file has a labelled window, so no normalised NAB score exists');
    expect(outcome.stdout).not.toMatch(/Normalised NAB scores/);
    expect(lines(outcome.stdout).find((l) => l.startsWith('total'))).toMatch(/^total\s+\d+\s+0\s+—/);
  });

  it("names score files under --out that the run did not write, and the directory's own profiles it scored under", async () => {
    const corpus = join(dir, 'one-file');
    await cp(join(NAB, 'data', 'realAdExchange', 'exchange-2_cpc_results.csv'), join(corpus, 'data', 'x', 'a.csv'));
    const windows = JSON.parse(await readFile(join(NAB, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, unknown>;
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), JSON.stringify({ 'x/a.csv': windows['realAdExchange/exchange-2_cpc_results.csv'] }));
    await writeFile(join(corpus, 'profiles.json'), JSON.stringify({ standard: { CostMatrix: { tpWeight: 1, fpWeight: 0.5, fnWeight: 1 } } }));
    const out = join(dir, 'shared-out');
    await mkdir(join(out, 'y'), { recursive: true });
    await writeFile(join(out, 'y', 'earlier.csv'), 'timestamp,value,anomaly_score\n');
    const outcome = await adstream(['score-nab', corpus, '--out', out]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr.trim()).toBe(`adstream: ${out} also holds 1 CSV file(s) this run did not write (an earlier run's?), left as they were: y/earlier.csv`);
    expect(outcome.stdout).toContain(`cost profiles from ${join(corpus, 'profiles.json')} (it has no reward_low_FP_rate or reward_low_FN_rate profile, so those are not scored)`);
    expect(outcome.stdout).toMatch(/Normalised NAB scores of adstream \(.*\): standard -?\d+\.\d$/m);
    expect(await readFile(join(out, 'y', 'earlier.csv'), 'utf8')).toBe('timestamp,value,anomaly_score\n');
  });

  it('says when a window lies wholly in the probation period, where it can be neither found nor missed', async () => {
    // 2000 rows every 5 minutes from 2015-01-01 00:00: probation is min(floor(0.15 * 2000), 750) = 300 rows.
    // The first window (rows 0 to 100) is wholly inside it; the second (rows 250 to 400) is not.
    // Without the note the table showed the first like any window, and its file's score below 0.
    const stamp = (i: number): string => new Date(Date.UTC(2015, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    const corpus = join(dir, 'in-probation');
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), `timestamp,value\n${Array.from({ length: 2000 }, (_, i) => `${stamp(i)},${i % 7}`).join('\n')}\n`);
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), JSON.stringify({ 'x/a.csv': [[stamp(0), stamp(100)], [stamp(250), stamp(400)]] }));
    const outcome = await adstream(['score-nab', corpus, '--out', join(dir, 'in-probation-out')]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr.trim()).toBe(
      "adstream: x/a.csv: the window over rows 2015-01-01 00:00:00 to 2015-01-01 08:20:00 lies wholly in the first 300 rows, NAB's probation period, where no row is scored: it can be neither found nor missed, and still counts toward the perfect score (as in NAB)",
    );
  });

  it("ends, and names the rows, when a detector gives NaN: NAB's windowed Gaussian on values near 1e308", async () => {
    // Its window's sum passes Number.MAX_VALUE after two values, so every later score is NaN, and
    // the threshold search looped forever on them (the command hung; killed after 30 s here).
    const corpus = join(dir, 'huge-values');
    const rows = Array.from({ length: 400 }, (_, i) => `2015-01-0${1 + Math.floor(i / 288)} ${String(Math.floor((i % 288) / 12)).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00,${i % 2 ? '1.7e308' : '1.6e308'}`);
    await mkdir(join(corpus, 'data', 'x'), { recursive: true });
    await writeFile(join(corpus, 'data', 'x', 'a.csv'), `timestamp,value\n${rows.join('\n')}\n`);
    await mkdir(join(corpus, 'labels'), { recursive: true });
    await writeFile(join(corpus, 'labels', 'combined_windows.json'), JSON.stringify({ 'x/a.csv': [['2015-01-01 20:00:00', '2015-01-01 22:00:00']] }));
    const outcome = await adstream(['score-nab', corpus, '--detector', 'windowed-gaussian', '--out', join(dir, 'huge-out')], {}, 30_000);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr.trim()).toMatch(/^adstream: windowed-gaussian gave \d+ of x\/a\.csv's 400 rows no score \(NaN\); they are written as NaN and count as not firing$/);
    expect(outcome.stdout).toMatch(/Normalised NAB scores of windowed-gaussian .*: standard 0\.0,/);
  });

  it('exits 2 with one sentence, before scoring, when --out cannot be made', async () => {
    const outcome = await adstream(['score-nab', NAB, '--out', '/proc/adstream-scores']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe('adstream: --out /proc/adstream-scores: cannot make the directory /proc/adstream-scores: its file system refused (ENOENT on mkdir, as /proc and /sys answer); choose another location.');
  });

  it('exits 2 with one sentence on an empty --out', async () => {
    const outcome = await adstream(['score-nab', NAB, '--out', '']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe('adstream: --out needs a directory for the per-row scores, but is empty.');
  });

  it('exits non-zero with one sentence on an unknown detector', async () => {
    const outcome = await adstream(['score-nab', NAB, '--detector', 'oracle', '--out', join(dir, 'unused')]);
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr.trim()).toBe('adstream: --detector must be one of adstream, windowed-gaussian, but is "oracle".');
  });

  it('refuses to write scores inside the data it reads, where they would replace the series', async () => {
    const outcome = await adstream(['score-nab', NAB, '--out', join(NAB, 'data', 'realAdExchange')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(`adstream: --out ${join(NAB, 'data', 'realAdExchange')} is inside ${join(NAB, 'data')}, where the series are read from; choose a directory outside it.`);
  });
});
