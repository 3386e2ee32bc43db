/**
 * Where lake files go: a local directory by default, S3 in the cloud (s3rver in tests). Both
 * must make a put atomic: a reader never sees half a file, so a crash mid-write leaves either the
 * old object or the new one under a key.
 */
export interface ObjectStore {
  /** A human-readable location, e.g. `/tmp/lake` or `s3://bucket/prefix`. */
  readonly location: string;
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * Puts a local file's contents, read in slices: how large lake files (encoded from spilled
   * rows) go up without being held in memory whole.
   */
  putFile(key: string, path: string): Promise<void>;
  /**
   * Creates the object unless one is under the key; false when one was. Atomic on a local
   * directory and on S3 (If-None-Match); a server that ignores that header (s3rver) overwrites.
   */
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Some key under a prefix that `matches`, or undefined; stops looking at the first (no order promised). */
  find(prefix: string, matches: (key: string) => boolean): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}
