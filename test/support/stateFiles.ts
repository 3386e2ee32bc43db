/**
 * What a local state directory holds: its snapshots, and the dedupe segments in it that no
 * snapshot names (left behind: a store that only grows).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface SavedSnapshot {
  dedupe: { format: number; buckets: { segments: { saved?: string }[] }[] };
}

export async function stateFiles(stateDir: string): Promise<{ snapshots: string[]; unnamedSegments: string[] }> {
  const root = join(stateDir, 'state');
  const files = (await readdir(root, { recursive: true })).map((file) => `state/${file.split('\\').join('/')}`);
  const snapshots = files.filter((file) => file.endsWith('.json'));
  const named = new Set<string>();
  for (const snapshot of snapshots) {
    const { dedupe } = JSON.parse(await readFile(join(stateDir, snapshot), 'utf8')) as SavedSnapshot;
    if (dedupe.format !== 3) continue;
    for (const { segments } of dedupe.buckets) for (const { saved } of segments) if (saved) named.add(saved);
  }
  return { snapshots, unnamedSegments: files.filter((file) => file.endsWith('.ids') && !named.has(file)) };
}
