/** Opens an ObjectStore from a location: `s3://bucket/prefix/` or a local directory. */
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalDirStore } from './localDirStore.ts';
import type { ObjectStore } from './objectStore.ts';
import { S3Store } from './s3Store.ts';

export function openStore(location: string, s3: () => S3Client): ObjectStore {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) return new LocalDirStore(resolve(location));
  const [, bucket, prefix] = match;
  return new S3Store(s3(), bucket, prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);
}
