/**
 * Reads a directory in NAB's layout: `<dir>/data/<category>/<file>.csv` (`timestamp,value`) and
 * `<dir>/labels/combined_windows.json` (`{"<category>/<file>.csv": [[start, end], ...]}`), and
 * maps each window's timestamps to inclusive row ranges as SCORING.md says (a trailing
 * ".000000" is stripped; a duplicated timestamp maps to its first row).
 *
 * File reading only; no AWS client, no clock. Mistakes in the directory are NabCorpusError with
 * one sentence naming the file, so the CLI can report them as usage errors.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export class NabCorpusError extends Error {}

export interface NabSeries {
  /** `<category>/<file>.csv`, as in the labels file. */
  name: string;
  timestamps: string[];
  /** The timestamps as epoch ms (NAB's are UTC without a zone). */
  times: number[];
  values: number[];
  windows: [number, number][];
}

const stripFraction = (ts: string): string => ts.trim().replace(/\.0+$/, '');
const toMillis = (ts: string): number => Date.parse(`${stripFraction(ts).replace(' ', 'T')}Z`);

export function parseSeriesCsv(name: string, text: string): { timestamps: string[]; values: number[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.split(',').map((h) => h.trim());
  if (!header || header[0] !== 'timestamp' || header[1] !== 'value') {
    throw new NabCorpusError(`${name}: expected a header "timestamp,value", got "${header?.join(',') ?? ''}"`);
  }
  const timestamps: string[] = [];
  const values: number[] = [];
  lines.forEach((line, i) => {
    const [ts, raw] = line.split(',');
    const value = Number(raw);
    if (!Number.isFinite(toMillis(ts ?? '')) || raw === undefined || raw.trim() === '' || !Number.isFinite(value)) {
      throw new NabCorpusError(`${name}: line ${i + 2} is not "timestamp,value" with a number: "${line}"`);
    }
    timestamps.push(stripFraction(ts));
    values.push(value);
  });
  return { timestamps, values };
}

/** Inclusive row range of a window over the rows' times (epoch ms): first row at or after start, last row at or before end. */
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

/**
 * The labelled files of `dir`, in name order. `onMissing` hears the files the labels list but
 * data/ lacks (NAB scores the files that are there; a user who copied part of a corpus should
 * still know which of its files were left out).
 */
export async function readNabCorpus(dir: string, onMissing?: (missing: string[]) => void): Promise<NabSeries[]> {
  const dataDir = join(dir, 'data');
  const labelsPath = join(dir, 'labels', 'combined_windows.json');
  if (!(await isDirectory(dataDir))) throw new NabCorpusError(`${dir} is not in NAB's layout: ${dataDir} is missing (expected data/<category>/<file>.csv and labels/combined_windows.json).`);
  let labels: Record<string, [string, string][]>;
  try {
    labels = JSON.parse(await readFile(labelsPath, 'utf8')) as Record<string, [string, string][]>;
  } catch (err) {
    throw new NabCorpusError(`cannot read NAB windows ${labelsPath}: ${(err as Error).message}`);
  }
  const series: NabSeries[] = [];
  for (const category of (await readdir(dataDir)).sort()) {
    if (!(await isDirectory(join(dataDir, category)))) continue;
    for (const file of (await readdir(join(dataDir, category))).filter((f) => f.endsWith('.csv')).sort()) {
      const name = `${category}/${file}`;
      // NAB scores the files its labels list; a data file without an entry is not part of the set.
      if (!(name in labels)) continue;
      const { timestamps, values } = parseSeriesCsv(name, await readFile(join(dataDir, category, file), 'utf8'));
      const times = timestamps.map(toMillis);
      const windows = (labels[name] ?? []).map(([start, end]) => {
        const rows = windowRows(times, start, end);
        if (!rows) throw new NabCorpusError(`${name}: window [${start}, ${end}] covers no row of the file`);
        return rows;
      });
      series.push({ name, timestamps, times, values, windows });
    }
  }
  if (series.length === 0) throw new NabCorpusError(`${dir}: no data file under data/<category>/ is listed in labels/combined_windows.json`);
  const read = new Set(series.map((s) => s.name));
  const missing = Object.keys(labels).filter((name) => !read.has(name)).sort();
  if (missing.length > 0) onMissing?.(missing);
  return series;
}
