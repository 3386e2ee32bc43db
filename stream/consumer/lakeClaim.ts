/**
 * A lake keeps one lease table's runs of a stream. Two workers of one stream started together
 * with different lease tables (a typo in one's ADSTREAM_LEASE_TABLE) each claimed an empty table,
 * found no file of the stream in the lake yet (refuseLakeOfLostCheckpoints looks at its lineage,
 * which the first commit fills, 10 s to a minute later), and read every shard from the start:
 * the lake held each record twice, in files cut at other places. The first worker now names its
 * table in the lake, before reading, and a worker of another table is refused.
 */
import { ConfigError } from '../config/load.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';

export class LakeOfAnotherTableError extends ConfigError {}

/** Outside every table folder: the lake's views and globs never read it. The deployed task may read and list it (infra). */
export const LAKE_CLAIMS = '_lease_tables';
const claimKey = (stream: string): string => `${LAKE_CLAIMS}/${stream}.json`;

export async function claimLakeForTable(lake: ObjectStore, stream: string, leaseTable: string): Promise<void> {
  const key = claimKey(stream);
  const body = new TextEncoder().encode(`${JSON.stringify({ stream, leaseTable })}\n`);
  // Looked at first and read back after: a server that ignores If-None-Match (s3rver) would let
  // a second table's worker write over the first's claim, and the last writer wins.
  let owner = await ownerOf(lake, key);
  if (owner === undefined) {
    await lake.putIfAbsent(key, body);
    owner = await ownerOf(lake, key);
  }
  if (owner === leaseTable) return;
  throw new LakeOfAnotherTableError(
    `the lake ${lake.location} keeps stream ${stream} for the lease table ${owner ?? '(unreadable)'}, not ${leaseTable}: two tables would each read every shard into it, writing each record twice. Give the lease table ${owner ?? 'of its other workers'} (leaseTable, environment ADSTREAM_LEASE_TABLE), or another lake and state location for a run of its own.`,
  );
}

async function ownerOf(lake: ObjectStore, key: string): Promise<string | null | undefined> {
  const saved = await lake.get(key);
  if (!saved) return undefined;
  try {
    return (JSON.parse(new TextDecoder().decode(saved)) as { leaseTable?: string }).leaseTable ?? null;
  } catch {
    return null;
  }
}
