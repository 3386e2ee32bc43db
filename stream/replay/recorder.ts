/**
 * `record`: reads every shard of a live stream from its oldest record (TRIM_HORIZON) with the
 * consumer's ShardReader and appends what it reads to a recording, shard by shard as batches
 * arrive. With `untilCaughtUp` it stops once every shard returned an empty read at the tip
 * (MillisBehindLatest 0) or ended; otherwise it runs until the signal aborts.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ShardReader, type ShardReaderOptions } from '../consumer/shardReader.ts';
import { listShards } from '../consumer/leases/shardSync.ts';
import { RecordingWriter } from './recording.ts';

export interface RecordOptions {
  kinesis: KinesisClient;
  streamName: string;
  out: string;
  untilCaughtUp?: boolean;
  signal?: AbortSignal;
  reader?: ShardReaderOptions;
  onProgress?: (records: number) => void;
}

export async function recordStream(options: RecordOptions): Promise<{ records: number; shards: string[] }> {
  const listed = (await listShards(options.kinesis, options.streamName)).sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : 1));
  const shards = listed.map((shard) => shard.ShardId!);
  const hashRanges = Object.fromEntries(listed.map((shard) => [shard.ShardId!, { start: shard.HashKeyRange!.StartingHashKey!, end: shard.HashKeyRange!.EndingHashKey! }]));
  const parents = Object.fromEntries(
    listed
      .map((shard) => [shard.ShardId!, [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id))] as const)
      .filter(([, ids]) => ids.length > 0),
  );
  const writer = await RecordingWriter.open(options.out, { stream: options.streamName, shards, hashRanges, parents });
  try {
    await Promise.all(
      shards.map(async (shardId) => {
        const reader = new ShardReader(options.kinesis, options.streamName, shardId, options.reader);
        await reader.start(undefined, 'TRIM_HORIZON');
        while (!options.signal?.aborted) {
          const read = await reader.read();
          if (read.records.length > 0) {
            await writer.write(read.records);
            options.onProgress?.(writer.records);
          }
          if (read.shardEnded) return;
          if (options.untilCaughtUp && read.records.length === 0 && read.millisBehindLatest === 0) return;
        }
      }),
    );
  } finally {
    await writer.close();
  }
  return { records: writer.records, shards };
}
