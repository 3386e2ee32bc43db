/**
 * The manifest a Redshift COPY reads: every file listed explicitly, so COPY loads exactly the
 * files the loader chose (a prefix would also pick up files written meanwhile), `mandatory` so a
 * missing file fails the load instead of skipping it, and `meta.content_length` because COPY
 * ... FORMAT AS PARQUET requires it
 * (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html).
 */
import { createHash } from 'node:crypto';
import type { LakeFile } from './lakeFiles.ts';

export interface ManifestEntry {
  url: string;
  mandatory: boolean;
  meta: { content_length: number };
}

export interface Manifest {
  entries: ManifestEntry[];
}

export function buildManifest(files: readonly LakeFile[], urlOf: (key: string) => string): Manifest {
  return { entries: files.map((f) => ({ url: urlOf(f.key), mandatory: true, meta: { content_length: f.bytes } })) };
}

/**
 * A load's id: a digest of its table and file keys. Deterministic, so a loader that crashed and
 * chooses the same files again writes the same manifest object instead of a new one.
 */
export function loadId(table: string, files: readonly LakeFile[]): string {
  const digest = createHash('sha256').update(table);
  for (const file of files) digest.update('\n').update(file.key);
  return `${table}-${digest.digest('hex').slice(0, 20)}`;
}

/** Where the manifest of a load goes in the lake's store: outside every table's folder. */
export const manifestKey = (id: string): string => `_warehouse/manifests/${id}.manifest`;
