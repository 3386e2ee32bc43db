/**
 * The outputs of a replay that must not change from run to run, in a reviewable form: every lake
 * view as CSV sorted on all columns, the EMF metric lines (files in name order), and every line
 * of the alert log (sorted by window end, alert id and line).
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import type { ReplayDirectories } from '../../stream/replay/replayDefaults.ts';

/** The metric goldens are large (a row per window, key and value): kept gzipped. */
export const isCompressedGolden = (name: string): boolean => name.startsWith('metrics');
export const goldenFileName = (name: string): string => (isCompressedGolden(name) ? `${name}.gz` : name);

export async function readGoldens(dir: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const body = await readFile(join(dir, goldenFileName(name)));
    out[name] = (isCompressedGolden(name) ? gunzipSync(body) : body).toString('utf8');
  }
  return out;
}

export const LAKE_VIEWS = ['impressions', 'clicks', 'conversions', 'bid_requests', 'rejected', 'metrics'] as const;

export async function goldenOutputs(dirs: ReplayDirectories): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const lake = await LakeQuery.open(dirs.lake);
  try {
    for (const view of LAKE_VIEWS) {
      const rows = await lake.query(`SELECT COLUMNS(*)::VARCHAR FROM ${view} ORDER BY ALL`);
      const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
      out[`${view}.csv`] = stringify(rows.map((row) => columns.map((c) => row[c] ?? '')), { header: true, columns });
    }
  } finally {
    lake.close();
  }
  const emfDir = join(dirs.metrics, 'emf');
  const files = existsSync(emfDir) ? (await readdir(emfDir)).filter((f) => f.endsWith('.jsonl')).sort() : [];
  out['metrics.jsonl'] = (await Promise.all(files.map((f) => readFile(join(emfDir, f), 'utf8')))).join('');
  const alertLines = existsSync(dirs.alertLog) ? (await readFile(dirs.alertLog, 'utf8')).split('\n').filter(Boolean) : [];
  // Every line: the log holds each notification once, a batch redone after a crash included. In
  // window order, as the log's order across shards follows how parts were grouped into commits.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out['alerts.jsonl'] = alertLines
    .map((line) => ({ line, alert: JSON.parse(line) as { alertId: string; windowEnd: number } }))
    .sort((a, b) => a.alert.windowEnd - b.alert.windowEnd || order(a.alert.alertId, b.alert.alertId) || order(a.line, b.line))
    .map(({ line }) => `${line}\n`)
    .join('');
  return out;
}
