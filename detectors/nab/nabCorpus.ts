/**
 * Reads a directory in NAB's layout: `<dir>/data/<category>/<file>.csv` (`timestamp,value`; NAB walks data/ at any depth, and so does this) and `<dir>/labels/combined_windows.json`
 * (`{"<category>/<file>.csv": [[start, end], ...]}`), and maps each window's timestamps to
 * inclusive row ranges as SCORING.md says (a duplicated timestamp maps to its first row).
 *
 * File reading only; no AWS client, no clock. Mistakes in the directory are NabCorpusError with
 * one sentence naming the file, so the CLI can report them as usage errors.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { NabProfile, WindowRows } from './nabScorer.ts';

export class NabCorpusError extends Error {}

export interface NabSeries {
  /** `<category>/<file>.csv`, as in the labels file. */
  name: string;
  /** The timestamp cells as the file writes them (without quotes), for the per-row scores. */
  timestamps: string[];
  /** The timestamps as epoch ms (NAB's are UTC without a zone). */
  times: number[];
  values: number[];
  /** The value cells as the file writes them (`20.0`, `-1.03989471325053E-005`), which values[i] would print otherwise (`20`, `-0.0000103989471325053`). */
  valueTexts: string[];
  windows: WindowRows[];
}

/** NAB's `2014-02-19 10:50:00`, with an optional fraction, `T`, and zone (none means UTC, as in NAB). */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch ms of a timestamp, or NaN when it is not one (including dates no calendar has, like 2015-02-30). */
export function toMillis(ts: string): number {
  const m = TIMESTAMP.exec(ts.trim());
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => Number(part ?? 0));
  const fraction = m[7] ? Number(m[7]) * 1000 : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(utc);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return NaN;
  const zone = m[8]?.toUpperCase();
  const offsetMinutes = !zone || zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return utc + fraction - offsetMinutes * 60_000;
}

const EXAMPLE_TIMESTAMP = '2014-02-19 10:50:00';

/** A decimal number as CSV writers print one (`12`, `-0.5`, `1.2e-7`); not `0x10`, which Number() would take as 16. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** A cell that says it holds no value: empty, or what pandas, R and spreadsheets write for one. */
const NO_VALUE = /^\s*(nan|null|none|na|n\/a|#n\/a)?\s*$/i;

/** A CSV cell without the quotes a spreadsheet may put around it. */
const unquoted = (cell: string): string => cell.trim().replace(/^"(.*)"$/, '$1');

/**
 * Whether a line of UTF-16 text, read as UTF-8, is what it is: a NUL at every other character,
 * the even ones (big-endian) or the odd ones (little-endian), after the two U+FFFD a byte-order
 * mark reads as.
 */
function isUtf16(line: string): boolean {
  const chars = [...line.replace(/^\uFFFD\uFFFD/, '').slice(0, 64)];
  const nulEvery = (parity: number): boolean => chars.every((ch, i) => (ch === '\u0000') === (i % 2 === parity));
  return chars.length >= 2 && (nulEvery(0) || nulEvery(1));
}

export function parseSeriesCsv(name: string, text: string): Pick<NabSeries, 'timestamps' | 'values' | 'valueTexts' | 'times'> & { firstOutOfOrder: number | undefined; noValueLines: number[] } {
  // Line numbers as an editor shows them: blank lines count, a BOM is not text.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).map((line, i) => ({ line, number: i + 1 })).filter(({ line }) => line.trim() !== '');
  const first = lines.shift()?.line ?? '';
  // Read as UTF-8, a UTF-16 file is every other byte NUL: say so instead of echoing that header.
  // Any other NUL is no text at all (a gzip or a spreadsheet's zip under a .csv name), which the
  // UTF-16 advice would send looking for an encoding setting that does not exist.
  if (first.includes('\u0000')) {
    throw new NabCorpusError(
      isUtf16(first) ? `${name} is UTF-16 text; save it as UTF-8 (NAB's files are)` : `${name} is not text (it holds NUL bytes: a compressed file or a spreadsheet workbook saved under a .csv name?); NAB's files are UTF-8 CSV`,
    );
  }
  // Spreadsheets capitalise and quote headers; the names are what matters.
  const header = first.split(',').map((h) => unquoted(h).trim().toLowerCase());
  if (header[0] !== 'timestamp' || header[1] !== 'value') {
    throw new NabCorpusError(`${name}: expected a header "timestamp,value", got "${first}"`);
  }
  const timestamps: string[] = [];
  const values: number[] = [];
  const valueTexts: string[] = [];
  const times: number[] = [];
  let firstOutOfOrder: number | undefined;
  const noValueLines: number[] = [];
  const noValueRows: number[] = [];
  for (const { line, number } of lines) {
    const [ts = '', raw] = line.split(',').map(unquoted);
    const time = toMillis(ts);
    if (!Number.isFinite(time)) throw new NabCorpusError(`${name}: line ${number} starts with "${ts}", which is not a timestamp like "${EXAMPLE_TIMESTAMP}"`);
    let value = raw !== undefined && DECIMAL.test(raw) ? Number(raw) : NaN;
    // A gap in the series (a sensor that missed a reading, exported as an empty cell or NaN) is
    // still a row NAB scores: the detector reads the value before it (filled in below), where one
    // such cell had refused the whole corpus. Any other text is not a series value at all.
    if (!Number.isFinite(value) && NO_VALUE.test(raw ?? '')) {
      noValueLines.push(number);
      noValueRows.push(values.length);
      value = NaN;
    } else if (!Number.isFinite(value)) throw new NabCorpusError(`${name}: line ${number} has no number after its timestamp: "${line}"`);
    // NAB reads rows in file order, and some of its own files step back in time (machine_temperature
    // goes back 55 minutes at one row), so rows out of order are scored as they stand; the first
    // such line is kept to explain a window that then covers no row.
    if (firstOutOfOrder === undefined && times.length > 0 && time < times[times.length - 1]) firstOutOfOrder = number;
    timestamps.push(ts);
    values.push(value);
    valueTexts.push(raw ?? '');
    times.push(time);
  }
  if (noValueRows.length > 0 && noValueRows.length === values.length) throw new NabCorpusError(`${name}: no row holds a number after its timestamp (line ${noValueLines[0]}: "${valueTexts[0]}")`);
  // Each gap reads as the value before it; gaps at the start as the first value after them.
  const firstValue = values.find((value) => Number.isFinite(value));
  for (let i = 0, last = firstValue ?? 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) last = values[i];
    else values[i] = last;
  }
  return { timestamps, values, valueTexts, times, firstOutOfOrder, noValueLines };
}

/** Inclusive row range of a window over the rows' times (epoch ms, in file order): first row at or after start, last row at or before end. */
export function windowRows(millis: readonly number[], start: string, end: string): [number, number] | undefined {
  const s = toMillis(start);
  const e = toMillis(end);
  const left = millis.findIndex((t) => t >= s);
  if (left < 0) return undefined;
  let right = millis.findIndex((t) => t >= e);
  if (right < 0) right = millis.length - 1;
  else if (millis[right] > e) right -= 1;
  return right >= left ? [left, right] : undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

type Labels = Record<string, [string, string][]>;

/** A JSON file of the directory (a byte-order mark allowed), or one sentence naming it and `what` it should be. */
async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new NabCorpusError(`cannot read NAB ${what} ${path}: ${(err as Error).message}`);
  }
}

/** combined_windows.json, checked: one sentence naming the file and the entry when it is not NAB's shape. */
async function readLabels(labelsPath: string): Promise<Labels> {
  const parsed = await readJson(labelsPath, 'windows');
  const shape = `{"<category>/<file>.csv": [["<start>", "<end>"], ...]}`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new NabCorpusError(`${labelsPath} is not ${shape}`);
  for (const [name, windows] of Object.entries(parsed)) {
    const isPair = (w: unknown): boolean => Array.isArray(w) && w.length === 2 && w.every((t) => typeof t === 'string');
    if (windows !== null && !(Array.isArray(windows) && windows.every(isPair))) {
      throw new NabCorpusError(`${labelsPath}: the entry for "${name}" is not a list of [start, end] timestamp pairs: ${JSON.stringify(windows).slice(0, 120)}`);
    }
  }
  return parsed as Labels;
}

/**
 * The files under data/, at any depth as NAB walks it, by their names in the labels
 * (`<category>/<file>.csv`). Symlinked files and folders count as what they point to (a corpus
 * assembled from links), each real folder read once.
 */
async function dataFiles(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  // Linked folders after the real tree, so a link (data/0alias -> realAdExchange) that sorts
  // first does not claim the real folder's files under its own name.
  const linked: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const info = await stat(path).catch(() => undefined); // a dangling link is not a file
      if (info?.isDirectory()) {
        if (entry.isSymbolicLink()) linked.push(path);
        else await walk(path);
      } else if (info?.isFile() && entry.name.toLowerCase().endsWith('.csv')) found.push(relative(dataDir, path).split(sep).join('/'));
    }
  };
  await walk(dataDir);
  while (linked.length > 0) await walk(linked.shift()!);
  return found.sort();
}

/** Why a window over rows in time order covers none of them. */
function whyNoRow(times: readonly number[], start: number, end: number, timestamps: readonly string[]): string {
  if (end < times[0]) return `it ends before the first row, ${timestamps[0]}`;
  if (start > times[times.length - 1]) return `it starts after the last row, ${timestamps[times.length - 1]}`;
  return 'it falls between two rows';
}

/**
 * The file's windows as row ranges in time order. Overlapping windows are refused, as NAB's scorer
 * cannot weigh them; windows that touch (one's end is the next one's start, which NAB's labeller
 * allows) give the shared row to the second, as NAB's sweeper does (it enters a window before it
 * leaves one), and the first keeps its labelled extent for its rows' weights. A window that covers
 * no row is left out with a note: NAB's scorer never sees it either.
 */
function windowsOf(series: Pick<NabSeries, 'name' | 'times' | 'timestamps'>, labelled: readonly [string, string][], firstOutOfOrder: number | undefined, onSkipped: (why: string) => void): WindowRows[] {
  const { name, times, timestamps } = series;
  const windows = labelled.flatMap(([start, end]) => {
    const label = `[${start}, ${end}]`;
    const [startMs, endMs] = [toMillis(start), toMillis(end)];
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) {
      throw new NabCorpusError(`${name}: window ${label} holds something that is not a timestamp like "${EXAMPLE_TIMESTAMP}"`);
    }
    if (startMs > endMs) throw new NabCorpusError(`${name}: window ${label} starts after it ends`);
    const rows = windowRows(times, start, end);
    if (rows) return [{ rows, startMs, endMs, label }];
    // Rows out of order make the mapping of times to rows meaningless: a mistake, not a note.
    if (firstOutOfOrder !== undefined) {
      throw new NabCorpusError(`${name}: window ${label} covers no row of the file (its rows are not oldest first: line ${firstOutOfOrder} is earlier than the row before it)`);
    }
    onSkipped(`${name}: window ${label} covers no row of the file (${whyNoRow(times, startMs, endMs, timestamps)}), so it is not scored`);
    return [];
  });
  windows.sort((a, b) => a.rows[0] - b.rows[0]);
  const kept: { rows: WindowRows; label: string }[] = [];
  for (const [i, window] of windows.entries()) {
    const next = windows[i + 1];
    if (next && next.rows[0] <= window.rows[1]) {
      if (next.startMs !== window.endMs) throw new NabCorpusError(`${name}: windows ${window.label} and ${next.label} overlap`);
      const [first, last] = window.rows;
      if (first === last) {
        onSkipped(`${name}: window ${window.label} covers no row but the one the next window, ${next.label}, starts on, so it is not scored`);
        continue;
      }
      kept.push({ rows: [first, last - 1, last], label: window.label });
      continue;
    }
    kept.push(window);
  }
  return kept.map((w) => w.rows);
}

const firstFew = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;

/**
 * The labels that name a data file's file name under another folder ("the label
 * realTraffic/speed_6005.csv may mean data/traffic/speed_6005.csv"): a label key is the file's
 * path under data/, so a file moved to another category, or a key written as `data/<category>/...`,
 * matches nothing, and two lists of names alone do not say which side to mend.
 */
export function labelsElsewhere(unlabelled: readonly string[], missing: readonly string[]): string[] {
  const base = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
  return unlabelled.flatMap((file) => missing.filter((key) => base(key) === base(file)).map((key) => `the label ${key} may mean data/${file}`));
}

/** The two sides of a corpus whose names never meet, side by side. */
function namesSide(files: readonly string[], keys: readonly string[]): string {
  if (files.length === 0) return '';
  const moved = labelsElsewhere(files, keys);
  const sides = keys.length === 0 ? ` (it lists no file; data/ holds ${firstFew(files)})` : ` (data/ holds ${firstFew(files)}; the labels list ${firstFew([...keys].sort())}; a label is the file's path under data/)`;
  return moved.length === 0 ? sides : `${sides}; ${firstFew(moved)}`;
}

export interface NabCorpusNotes {
  /** Files the labels list but data/ lacks: NAB scores the files that are there, but a user who copied part of a corpus should know. */
  onMissing?: (missing: string[]) => void;
  /** Files under data/ the labels do not list: not part of the set, and said so, since a forgotten entry would silently change the total. */
  onUnlabelled?: (unlabelled: string[], elsewhere: string[]) => void;
  /** A file without rows, or a window that covers none, left out of the score: one sentence why. */
  onSkipped?: (why: string) => void;
  /** Rows whose value cell is empty or NaN: scored all the same, and said so. */
  onGaps?: (what: string) => void;
  /** The directory read as the NAB subset this project was handed lays it out: categories beside combined_windows.json. */
  onFlatLayout?: (what: string) => void;
}

/** The labelled files of `dir`, in name order. */
export async function readNabCorpus(dir: string, notes: NabCorpusNotes = {}): Promise<NabSeries[]> {
  let dataDir = join(dir, 'data');
  let labelsPath = join(dir, 'labels', 'combined_windows.json');
  if (!(await isDirectory(dataDir))) {
    // The NAB subset this project was handed keeps combined_windows.json beside its category
    // folders, and a copy of it is what a checker is likely to try first: it is read as it lies,
    // the categories from `dir` itself, rather than refused for the layout alone.
    const flatLabels = join(dir, 'combined_windows.json');
    if (!(await stat(flatLabels).then((s) => s.isFile(), () => false))) {
      throw new NabCorpusError(`${dir} is not in NAB's layout: ${dataDir} is missing (expected data/<category>/<file>.csv and labels/combined_windows.json).`);
    }
    notes.onFlatLayout?.(`${dir} has no data/ folder but ${flatLabels} beside its category folders: read as they lie (NAB's layout is data/<category>/<file>.csv and labels/combined_windows.json)`);
    dataDir = dir;
    labelsPath = flatLabels;
  }
  // Said as the missing data/ is, not as Node's "ENOENT: no such file or directory, open ..." after the path.
  if (!(await stat(labelsPath).then((s) => s.isFile(), () => false))) {
    // NAB's labels/ holds both; given only the points, say what they lack rather than only what is missing.
    const points = (await stat(join(dir, 'labels', 'combined_labels.json')).then((s) => s.isFile(), () => false))
      ? ` ${join(dir, 'labels', 'combined_labels.json')} is there, but it holds NAB's anomaly points, and NAB scores the windows around them (its scripts/combine_labels.py writes both files).`
      : '';
    throw new NabCorpusError(`${dir} is not in NAB's layout: ${labelsPath} is missing (expected data/<category>/<file>.csv and labels/combined_windows.json).${points}`);
  }
  const labels = await readLabels(labelsPath);
  const series: NabSeries[] = [];
  const unlabelled: string[] = [];
  const emptyFiles: string[] = [];
  for (const name of await dataFiles(dataDir)) {
    if (!(name in labels)) {
      unlabelled.push(name);
      continue;
    }
    const text = await readFile(join(dataDir, ...name.split('/')), 'utf8');
    // An empty file (a placeholder, a copy or download that failed) has no rows, as a file of only
    // its header has: left out with a note like it, not a refusal of the whole corpus for its header.
    if (text.replace(/^\uFEFF/, '').trim() === '') {
      emptyFiles.push(name);
      notes.onSkipped?.(`${name} is empty, so it is not scored`);
      continue;
    }
    const { timestamps, values, valueTexts, times, firstOutOfOrder, noValueLines } = parseSeriesCsv(name, text);
    if (noValueLines.length > 0) {
      notes.onGaps?.(`${name}: ${noValueLines.length} row(s) hold no value (line ${noValueLines[0]}${noValueLines.length > 1 ? ', …' : ''}); they are scored, the detector reading each as the value before it`);
    }
    if (values.length === 0) {
      emptyFiles.push(name);
      notes.onSkipped?.(`${name} has a header and no rows, so it is not scored`);
      continue;
    }
    const skipped = notes.onSkipped ?? (() => undefined);
    series.push({ name, timestamps, times, values, valueTexts, windows: windowsOf({ name, times, timestamps }, labels[name] ?? [], firstOutOfOrder, skipped) });
  }
  if (series.length === 0 && emptyFiles.length > 0) throw new NabCorpusError(`${dir}: every data file listed in labels/combined_windows.json has no rows (each is empty or holds only its header)`);
  if (series.length === 0) throw new NabCorpusError(`${dir}: no data file under data/ is listed in labels/combined_windows.json${namesSide(unlabelled, Object.keys(labels))}`);
  const read = new Set([...series.map((s) => s.name), ...emptyFiles]);
  const missing = Object.keys(labels).filter((name) => !read.has(name)).sort();
  if (missing.length > 0) notes.onMissing?.(missing);
  if (unlabelled.length > 0) notes.onUnlabelled?.(unlabelled, labelsElsewhere(unlabelled, missing));
  return series;
}

/**
 * The cost profiles a NAB directory brings: `config/profiles.json` (a NAB checkout) or
 * `profiles.json` at its top (this repository's fixtures), in NAB's form
 * (`{"<profile>": {"CostMatrix": {"tpWeight", "fpWeight", "fnWeight", ...}}}`); undefined when it has none.
 */
export async function readNabProfiles(dir: string): Promise<{ path: string; profiles: NabProfile[] } | undefined> {
  for (const path of [join(dir, 'config', 'profiles.json'), join(dir, 'profiles.json')]) {
    if (!(await stat(path).then((s) => s.isFile(), () => false))) continue;
    const parsed = await readJson(path, 'profiles');
    const weight = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    const profiles = Object.entries(typeof parsed === 'object' && parsed !== null ? parsed : {}).map(([name, profile]) => {
      const m = (profile as { CostMatrix?: Record<string, unknown> } | null)?.CostMatrix;
      if (!m || !weight(m.tpWeight) || !weight(m.fpWeight) || !weight(m.fnWeight)) {
        throw new NabCorpusError(`${path}: profile "${name}" has no CostMatrix with numeric tpWeight, fpWeight and fnWeight`);
      }
      return { name, tp: m.tpWeight, fp: m.fpWeight, fn: m.fnWeight };
    });
    if (profiles.length === 0) throw new NabCorpusError(`${path} holds no profile`);
    return { path, profiles };
  }
  return undefined;
}
