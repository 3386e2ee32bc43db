/**
 * A state store or lake in an S3 bucket that does not exist failed only at the worker's first
 * commit, after it had written that commit's lake files (63 Parquet files in one such run) and
 * warned of a failed window merge: it is refused at start, one sentence and exit 2, as other
 * configuration mistakes are.
 */
import { ConfigError } from '../config/load.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import { S3Store } from '../../sinks/objectStore/s3Store.ts';

/** `setting`: where the user set the store's location, as the sentence names it. */
export async function refuseMissingBuckets(stores: readonly { store: ObjectStore; what: string; setting: string }[]): Promise<void> {
  for (const { store, what, setting } of stores) {
    if (store instanceof S3Store && (await store.bucketMissing())) {
      throw new ConfigError(`the S3 bucket ${store.bucket} of the ${what} (${store.location}) does not exist: create it, or point ${setting} at a bucket that does.`);
    }
  }
}
