/**
 * Reading a directory in NAB's layout as a user's own labelled series come: windows in any order,
 * timestamps with zones, nested folders, a NAB checkout's profiles, and mistakes that must name
 * themselves rather than change the score without a word.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NabCorpusError, readNabCorpus, readNabProfiles, toMillis } from '../../../detectors/nab/nabCorpus.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-nabcorpus-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
}

/** `rows` rows five minutes apart from 2015-09-08 00:00 UTC, value = row number. */
const series = (rows: number, stamp = (i: number) => new Date(Date.UTC(2015, 8, 8) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')): string =>
  `timestamp,value\n${Array.from({ length: rows }, (_, i) => `${stamp(i)},${i}`).join('\n')}\n`;

const at = (row: number): string => new Date(Date.UTC(2015, 8, 8) + row * 300_000).toISOString().slice(0, 19).replace('T', ' ');

describe('readNabCorpus', () => {
  it('maps windows listed in any order to the same row ranges, in time order', async () => {
    await put('data/cat/a.csv', series(100));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[`${at(60)}.000000`, at(69)], [at(20), at(29)]] }));
    const [a] = await readNabCorpus(dir);
    expect(a.windows).toEqual([
      [20, 29],
      [60, 69],
    ]);
  });

  it('refuses overlapping windows, naming both', async () => {
    await put('data/cat/a.csv', series(100));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(20), at(40)], [at(30), at(50)]] }));
    await expect(readNabCorpus(dir)).rejects.toThrow(new NabCorpusError(`cat/a.csv: windows [${at(20)}, ${at(40)}] and [${at(30)}, ${at(50)}] overlap`));
  });

  it("gives the row two touching windows share to the second, as NAB's sweeper does, the first keeping its labelled end for its weights", async () => {
    // NAB's labeller allows a window to end where the next starts; its sweeper enters the next
    // window at that row before it leaves the first (numenta/NAB nab/sweeper.py, calcSweepScore).
    await put('data/cat/a.csv', series(100));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(20), at(40)], [at(40), at(50)]] }));
    expect((await readNabCorpus(dir))[0].windows).toEqual([
      [20, 39, 40],
      [40, 50],
    ]);
  });

  it('leaves out a window that covers no row, saying why, and scores the rest', async () => {
    await put('data/cat/a.csv', series(100));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(200), at(210)], [at(10), at(12)], ['2015-09-08 00:01:00', '2015-09-08 00:02:00']] }));
    const skipped: string[] = [];
    const [a] = await readNabCorpus(dir, { onSkipped: (why) => skipped.push(why) });
    expect(a.windows).toEqual([[10, 12]]);
    expect(skipped).toEqual([
      `cat/a.csv: window [${at(200)}, ${at(210)}] covers no row of the file (it starts after the last row, ${at(99)}), so it is not scored`,
      'cat/a.csv: window [2015-09-08 00:01:00, 2015-09-08 00:02:00] covers no row of the file (it falls between two rows), so it is not scored',
    ]);
  });

  it('refuses a window that starts after it ends', async () => {
    await put('data/cat/a.csv', series(100));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(30), at(20)]] }));
    await expect(readNabCorpus(dir)).rejects.toThrow(new NabCorpusError(`cat/a.csv: window [${at(30)}, ${at(20)}] starts after it ends`));
  });

  it('leaves out a file with a header and no rows, saying so, and refuses a corpus of nothing else', async () => {
    await put('data/cat/a.csv', series(100));
    await put('data/cat/empty.csv', 'timestamp,value\n');
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [], 'cat/empty.csv': [] }));
    const skipped: string[] = [];
    const missing: string[][] = [];
    expect((await readNabCorpus(dir, { onSkipped: (why) => skipped.push(why), onMissing: (names) => missing.push(names) })).map((s) => s.name)).toEqual(['cat/a.csv']);
    expect(skipped).toEqual(['cat/empty.csv has a header and no rows, so it is not scored']);
    // It is under data/: not also one of the labelled files missing there.
    expect(missing).toEqual([]);
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/empty.csv': [] }));
    await expect(readNabCorpus(dir)).rejects.toThrow('every data file listed in labels/combined_windows.json has no rows (each is empty or holds only its header)');
  });

  it('leaves out an empty file as it leaves out one of only a header, rather than refusing the corpus', async () => {
    // A 0-byte file (a placeholder, a failed copy) stopped the whole run: 'cat/zero.csv: expected a
    // header "timestamp,value", got ""', while a file of only its header is left out with a note.
    await put('data/cat/a.csv', series(100));
    await put('data/cat/zero.csv', '');
    await put('data/cat/blank.csv', '\uFEFF\r\n\n');
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(40), at(45)]], 'cat/zero.csv': [], 'cat/blank.csv': [] }));
    const skipped: string[] = [];
    const corpus = await readNabCorpus(dir, { onSkipped: (why) => skipped.push(why) });
    expect(corpus.map((s) => [s.name, s.values.length, s.windows])).toEqual([['cat/a.csv', 100, [[40, 45]]]]);
    expect(skipped).toEqual(['cat/blank.csv is empty, so it is not scored', 'cat/zero.csv is empty, so it is not scored']);
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/zero.csv': [] }));
    await expect(readNabCorpus(dir)).rejects.toThrow('every data file listed in labels/combined_windows.json has no rows (each is empty or holds only its header)');
  });

  it('reads lines ended by a bare CR as it reads LF and CRLF, and refuses a number that is not decimal', async () => {
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(20), at(29)]] }));
    const byEnding = [];
    for (const ending of ['\n', '\r\n', '\r']) {
      await put('data/cat/a.csv', series(100).replaceAll('\n', ending));
      byEnding.push(await readNabCorpus(dir));
    }
    expect(byEnding[0][0].values).toHaveLength(100);
    expect(byEnding[1]).toEqual(byEnding[0]);
    expect(byEnding[2]).toEqual(byEnding[0]);
    await put('data/cat/a.csv', `timestamp,value\n${at(0)},1.5e3\n${at(1)},0x10\n`);
    await expect(readNabCorpus(dir)).rejects.toThrow(`cat/a.csv: line 3 has no number after its timestamp: "${at(1)},0x10"`);
  });

  it("reads a spreadsheet's header and cells (capitalised, quoted) as NAB's own, and names a UTF-16 file as such", async () => {
    const plain = series(30);
    await put('data/cat/a.csv', plain);
    await put('data/cat/b.csv', plain.replace('timestamp,value', 'Timestamp,Value'));
    await put('data/cat/c.csv', plain.split('\n').map((line) => (line ? line.split(',').map((cell) => `"${cell}"`).join(',') : line)).join('\n'));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(10), at(12)]], 'cat/b.csv': [[at(10), at(12)]], 'cat/c.csv': [[at(10), at(12)]] }));
    const [a, b, c] = await readNabCorpus(dir);
    expect(b.values).toEqual(a.values);
    expect(c.values).toEqual(a.values);
    expect(c.times).toEqual(a.times);
    expect(c.windows).toEqual([[10, 12]]);
    await writeFile(join(dir, 'data/cat/b.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain, 'utf16le')]));
    await expect(readNabCorpus(dir)).rejects.toThrow(new NabCorpusError("cat/b.csv is UTF-16 text; save it as UTF-8 (NAB's files are)"));
    await writeFile(join(dir, 'data/cat/b.csv'), Buffer.from(plain, 'utf16le'));
    await expect(readNabCorpus(dir)).rejects.toThrow(new NabCorpusError("cat/b.csv is UTF-16 text; save it as UTF-8 (NAB's files are)"));
    await writeFile(join(dir, 'data/cat/b.csv'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(plain, 'utf16le').swap16()]));
    await expect(readNabCorpus(dir)).rejects.toThrow(new NabCorpusError("cat/b.csv is UTF-16 text; save it as UTF-8 (NAB's files are)"));
  });

  it('says a file with NUL bytes that is not UTF-16 is not text, rather than calling it UTF-16', async () => {
    // A gzip-compressed CSV under a .csv name: its 10-byte header (1f 8b 08 00 ...) holds NULs, and
    // the command said "cat/a.csv is UTF-16 text; save it as UTF-8".
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(10), at(12)]] }));
    await mkdir(join(dir, 'data/cat'), { recursive: true });
    await writeFile(join(dir, 'data/cat/a.csv'), gzipSync(series(30)));
    await expect(readNabCorpus(dir)).rejects.toThrow(
      new NabCorpusError('cat/a.csv is not text (it holds NUL bytes: a compressed file or a spreadsheet workbook saved under a .csv name?); NAB\'s files are UTF-8 CSV'),
    );
  });

  it('reads files at any depth under data/ and names the data files the labels leave out', async () => {
    await put('data/cat/sub/a.csv', series(50));
    await put('data/cat/b.csv', series(50));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/sub/a.csv': [[at(10), at(12)]] }));
    const unlabelled: string[][] = [];
    const corpus = await readNabCorpus(dir, { onUnlabelled: (names) => unlabelled.push(names) });
    expect(corpus.map((s) => s.name)).toEqual(['cat/sub/a.csv']);
    expect(unlabelled).toEqual([['cat/b.csv']]);
  });

  it('names both sides when no data file matches a label, and the label that names the same file under another folder', async () => {
    // It said only "no data file under data/ is listed in labels/combined_windows.json".
    await put('data/mine/speed_6005.csv', series(50));
    await put('data/mine/other.csv', series(50));
    await put('labels/combined_windows.json', JSON.stringify({ 'realTraffic/speed_6005.csv': [[at(10), at(12)]] }));
    await expect(readNabCorpus(dir)).rejects.toThrow(
      `${dir}: no data file under data/ is listed in labels/combined_windows.json (data/ holds mine/other.csv, mine/speed_6005.csv; the labels list realTraffic/speed_6005.csv; a label is the file's path under data/); the label realTraffic/speed_6005.csv may mean data/mine/speed_6005.csv`,
    );
    await put('labels/combined_windows.json', '{}');
    await expect(readNabCorpus(dir)).rejects.toThrow(`${dir}: no data file under data/ is listed in labels/combined_windows.json (it lists no file; data/ holds mine/other.csv, mine/speed_6005.csv)`);
    // When other files match, the note on the unlabelled ones carries the same hint.
    await put('labels/combined_windows.json', JSON.stringify({ 'mine/other.csv': [], 'realTraffic/speed_6005.csv': [] }));
    const notes: [string[], string[]][] = [];
    await readNabCorpus(dir, { onUnlabelled: (unlabelled, elsewhere) => notes.push([unlabelled, elsewhere]) });
    expect(notes).toEqual([[['mine/speed_6005.csv'], ['the label realTraffic/speed_6005.csv may mean data/mine/speed_6005.csv']]]);
  });

  it('follows symlinked files and folders under data/, as NAB does', async () => {
    await put('elsewhere/real.csv', series(50));
    await mkdir(join(dir, 'data', 'cat'), { recursive: true });
    await symlink(join(dir, 'elsewhere', 'real.csv'), join(dir, 'data', 'cat', 'linked.csv'));
    await symlink(join(dir, 'elsewhere'), join(dir, 'data', 'other'));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/linked.csv': [], 'other/real.csv': [] }));
    expect((await readNabCorpus(dir)).map((s) => s.name)).toEqual(['cat/linked.csv', 'other/real.csv']);
    // A link to a real folder that sorts before it does not take its files under its own name.
    await symlink(join(dir, 'data', 'cat'), join(dir, 'data', '0alias'));
    expect((await readNabCorpus(dir)).map((s) => s.name)).toEqual(['cat/linked.csv', 'other/real.csv']);
  });

  it('counts blank lines in the line number it reports, and blames the timestamp or the number, whichever is wrong', async () => {
    await put('data/cat/a.csv', `timestamp,value\n\n${at(0)},1\n\n${at(1)},0x10\n`);
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [] }));
    await expect(readNabCorpus(dir)).rejects.toThrow(`cat/a.csv: line 5 has no number after its timestamp: "${at(1)},0x10"`);
    await put('data/cat/a.csv', `timestamp,value\n2015-02-30 00:00:00,1\n`);
    await expect(readNabCorpus(dir)).rejects.toThrow('cat/a.csv: line 2 starts with "2015-02-30 00:00:00", which is not a timestamp');
  });

  it('scores rows whose value cell is empty or NaN, the detector reading the value before each, and says so', async () => {
    // One such cell refused the whole corpus ("line 5 has no number after its timestamp").
    await put('data/cat/a.csv', `timestamp,value\n${at(0)},\n${at(1)},NaN\n${at(2)},4\n${at(3)},\n${at(4)},"nan"\n${at(5)},7.5\n${at(6)}\n`);
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [] }));
    const gaps: string[] = [];
    const [a] = await readNabCorpus(dir, { onGaps: (what) => gaps.push(what) });
    // Leading gaps take the first value after them; the others the value before.
    expect(a.values).toEqual([4, 4, 4, 4, 4, 7.5, 7.5]);
    expect(a.valueTexts).toEqual(['', 'NaN', '4', '', 'nan', '7.5', '']);
    expect(gaps).toEqual(['cat/a.csv: 5 row(s) hold no value (line 2, …); they are scored, the detector reading each as the value before it']);
    // A file with no number at all is not a series.
    await put('data/cat/a.csv', `timestamp,value\n${at(0)},\n${at(1)},NaN\n`);
    await expect(readNabCorpus(dir)).rejects.toThrow('cat/a.csv: no row holds a number after its timestamp (line 2: "")');
  });

  it('explains a window that covers no row by rows that are not oldest first', async () => {
    await put('data/cat/a.csv', series(100, (i) => at(99 - i)));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(20), at(29)]] }));
    await expect(readNabCorpus(dir)).rejects.toThrow('covers no row of the file (its rows are not oldest first: line 3 is earlier than the row before it)');
  });

  it('refuses labels that are not lists of [start, end] pairs with one sentence naming the entry', async () => {
    await put('data/cat/a.csv', series(10));
    await put('labels/combined_windows.json', JSON.stringify({ 'cat/a.csv': [[at(2)]] }));
    await expect(readNabCorpus(dir)).rejects.toThrow(/combined_windows.json: the entry for "cat\/a.csv" is not a list of \[start, end\] timestamp pairs/);
    await put('labels/combined_windows.json', 'null');
    await expect(readNabCorpus(dir)).rejects.toThrow(/combined_windows.json is not \{/);
  });
});

describe('NAB timestamps', () => {
  it("reads NAB's form, a T, a fraction and a zone; refuses days no calendar has", () => {
    const utc = Date.UTC(2015, 8, 8, 11, 39);
    expect(toMillis('2015-09-08 11:39:00')).toBe(utc);
    expect(toMillis('2015-09-08 11:39:00.000000')).toBe(utc);
    expect(toMillis('2015-09-08T11:39:00Z')).toBe(utc);
    expect(toMillis('2015-09-08T13:39:00+02:00')).toBe(utc);
    expect(toMillis('2015-09-08 11:39:00.5')).toBe(utc + 500);
    expect(toMillis('2015-02-30 00:00:00')).toBeNaN();
    expect(toMillis('2015-09-08 24:00:00')).toBeNaN();
  });
});

describe('readNabProfiles', () => {
  it("takes a NAB checkout's config/profiles.json and refuses one without cost weights", async () => {
    expect(await readNabProfiles(dir)).toBeUndefined();
    await put('config/profiles.json', JSON.stringify({ standard: { CostMatrix: { tpWeight: 1, fnWeight: 1, fpWeight: 0.5, tnWeight: 1 } } }));
    expect((await readNabProfiles(dir))?.profiles).toEqual([{ name: 'standard', tp: 1, fp: 0.5, fn: 1 }]);
    await put('config/profiles.json', JSON.stringify({ standard: { tpWeight: 1 } }));
    await expect(readNabProfiles(dir)).rejects.toThrow('profile "standard" has no CostMatrix with numeric tpWeight, fpWeight and fnWeight');
  });
});
