/**
 * One spelling per place: an s3:// location as it is (openStore already drops doubled slashes),
 * a local directory through its symlinks, as far as it exists (`realpath` of the nearest existing
 * folder, the rest joined on). What a lease table keeps of its lake is compared in this form, so a
 * lake reached through a symlink (/tmp on macOS, a bind mount) is the lake it is.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export async function canonicalLocation(location: string): Promise<string> {
  if (location.startsWith('s3://')) return location;
  let existing = resolve(location);
  const missing: string[] = [];
  for (;;) {
    try {
      return join(await realpath(existing), ...missing);
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(location);
      missing.unshift(basename(existing));
      existing = parent;
    }
  }
}
