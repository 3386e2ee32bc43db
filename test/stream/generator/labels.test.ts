import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLabels, writeLabels } from '../../../stream/generator/labels.ts';
import type { AnomalyLabel } from '../../../stream/generator/types.ts';

const labels: AnomalyLabel[] = [
  { kind: 'traffic_drop', key: 'campaign=c007', start: Date.UTC(2026, 10, 1, 1, 30), end: Date.UTC(2026, 10, 1, 1, 45) },
  { kind: 'ingestion_delay', key: '*', start: Date.UTC(2026, 10, 1, 3), end: Date.UTC(2026, 10, 1, 3, 12) },
];

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'adstream-labels-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('labels file', () => {
  it('round-trips labels through JSON, with readable ISO times for people', async () => {
    const dir = await tempDir();
    const path = join(dir, 'labels.json');
    await writeLabels(path, labels);
    expect(await readLabels(path)).toEqual(labels);
    expect(await readFile(path, 'utf8')).toContain('"startIso": "2026-11-01T01:30:00.000Z"');
  });

  it('says which label is wrong in a bad file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify([labels[0], { kind: 'meteor_strike', key: '*', start: 1, end: 2 }]));
    await expect(readLabels(path)).rejects.toThrow(/label 1 must have kind/);
    await writeFile(path, '{"labels": []}');
    await expect(readLabels(path)).rejects.toThrow(/expected a JSON array/);
  });
});
