/**
 * The labels file: the ground truth of injected anomalies as JSON, so a demo run and a later
 * evaluation (detectors/matchLabels.ts) can agree on what should have been caught. Times are
 * epoch ms; each label also carries ISO strings for people reading the file (ignored on read).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AnomalyLabel } from './types.ts';
import { ANOMALY_KINDS } from './config.ts';

export async function writeLabels(path: string, labels: readonly AnomalyLabel[]): Promise<void> {
  const readable = labels.map((l) => ({ ...l, startIso: new Date(l.start).toISOString(), endIso: new Date(l.end).toISOString() }));
  await writeFile(path, `${JSON.stringify(readable, null, 2)}\n`, 'utf8');
}

export async function readLabels(path: string): Promise<AnomalyLabel[]> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${path} is not a labels file: expected a JSON array of labels`);
  return parsed.map((entry: unknown, i) => {
    const l = entry as Partial<AnomalyLabel> | null;
    const ok =
      l !== null &&
      typeof l === 'object' &&
      ANOMALY_KINDS.includes(l.kind as AnomalyLabel['kind']) &&
      typeof l.key === 'string' &&
      Number.isSafeInteger(l.start) &&
      Number.isSafeInteger(l.end);
    if (!ok) throw new Error(`${path}: label ${i} must have kind (one of ${ANOMALY_KINDS.join(', ')}), key, and integer start and end`);
    return { kind: l.kind, key: l.key, start: l.start, end: l.end } as AnomalyLabel;
  });
}
