/**
 * The lake's Parquet files with their sizes, which a Redshift manifest must state
 * (`meta.content_length`). The ObjectStore interface lists keys only, so sizes come from the
 * same listing call where the backend gives them: ListObjectsV2 on S3, stat on a directory.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LocalDirStore } from '../objectStore/localDirStore.ts';

export interface LakeFile {
  /** Object key relative to the lake root, e.g. `click/dt=2026-11-01/hour=07/<name>.parquet`. */
  key: string;
  bytes: number;
}

export interface LakeFileLister {
  /** Where the lake is: a directory or `s3://bucket/prefix/`. */
  readonly location: string;
  /** Committed data files of one lake table, sorted by key. */
  list(lakeTable: string): Promise<LakeFile[]>;
  /** How a query engine or COPY addresses a file: an absolute path or an `s3://` URL. */
  urlOf(key: string): string;
}

/** `<table>/dt=YYYY-MM-DD/hour=HH/<name>.parquet`: anything else under a table folder is not data. */
const DATA_FILE = /^[^/]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.parquet$/;

export const isLakeDataFile = (key: string): boolean => DATA_FILE.test(key);

export function directoryLister(root: string): LakeFileLister {
  const dir = resolve(root);
  const store = new LocalDirStore(dir);
  const pathOf = (key: string) => join(dir, ...key.split('/'));
  return {
    location: dir,
    urlOf: pathOf,
    async list(lakeTable) {
      const keys = (await store.list(`${lakeTable}/`)).filter(isLakeDataFile);
      return Promise.all(keys.map(async (key) => ({ key, bytes: (await stat(pathOf(key))).size })));
    },
  };
}

export function s3Lister(client: S3Client, bucket: string, prefix: string): LakeFileLister {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    location: `s3://${bucket}/${base}`,
    urlOf: (key) => `s3://${bucket}/${base}${key}`,
    async list(lakeTable) {
      const files: LakeFile[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${base}${lakeTable}/`, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const key = object.Key!.slice(base.length);
          if (isLakeDataFile(key)) files.push({ key, bytes: object.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
  };
}

/** A lister for a lake location, as openStore opens a store: `s3://bucket/prefix/` or a directory. */
export function openLakeFiles(location: string, s3: () => S3Client): LakeFileLister {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  return match ? s3Lister(s3(), match[1], match[2]) : directoryLister(location);
}
