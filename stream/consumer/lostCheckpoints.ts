/**
 * A lease table no worker has claimed, beside a lake that already holds files of the stream: the
 * checkpoints those files were written under are gone (the table was deleted, or `adstream local`
 * was restarted, which keeps its tables in memory), and a worker starting every shard afresh would
 * write into the lake again under the names its files already have (the same stream and shard
 * ids, sequence numbers from the start), mixing two runs' records. The lineage table names every
 * file the workers wrote after the stream and shard it came from (`<stream>-shardId-…`), so a look
 * into it, stopping at the first such file, tells once, when an empty table is first claimed.
 */
import { ConfigError } from '../config/load.ts';
import { LINEAGE_TABLE } from '../../sinks/lake/lineage.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';

export class CheckpointsLostError extends ConfigError {}

export async function refuseLakeOfLostCheckpoints(lake: ObjectStore, stream: string, leaseTable: string): Promise<void> {
  const ofStream = `${stream}-shardId-`;
  const written = await lake.find(`${LINEAGE_TABLE}/`, (key) => key.slice(key.lastIndexOf('/') + 1).startsWith(ofStream));
  if (!written) return;
  throw new CheckpointsLostError(
    `the lake ${lake.location} already holds files of stream ${stream} (${written}), but the lease table ${leaseTable} has no checkpoints for it: they are lost (the table was deleted or made anew, or adstream local was restarted), and starting every shard afresh would write into that lake again, mixing two runs' records. Give a new lake and state location (--lake, ADSTREAM_LAKE, ADSTREAM_STATE), or the lease table those files were written under.`,
  );
}
