/**
 * `record`: reads every shard of a live stream from its oldest record (TRIM_HORIZON), and the
 * children of any shard resharded while it runs, with the consumer's ShardReader, and appends
 * what it reads to a recording, shard by shard as batches arrive. With `untilCaughtUp` it stops
 * once every shard returned an empty read at the tip (MillisBehindLatest 0) or ended; otherwise
 * it runs until the signal aborts. A shard that cannot be read stops the others and fails the
 * recording, rather than leaving a silent gap in it.
 */
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { ShardReader, type ShardReaderOptions } from '../consumer/shardReader.ts';
import { listShards } from '../consumer/leases/shardSync.ts';
import { openRecordingWriter } from './recordingFile.ts';

export interface RecordOptions {
  kinesis: KinesisClient;
  streamName: string;
  out: string;
  untilCaughtUp?: boolean;
  signal?: AbortSignal;
  reader?: ShardReaderOptions;
  onProgress?: (records: number) => void;
}

const parentsOf = (shard: Shard): string[] => [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));
const hashKeyRangeOf = (shard: Shard) => ({ start: shard.HashKeyRange!.StartingHashKey!, end: shard.HashKeyRange!.EndingHashKey! });

export interface RecordResult {
  records: number;
  shards: string[];
  /** A shard was still being read when the signal came: with `untilCaughtUp`, the recording stops short of the tip. */
  interrupted: boolean;
}

export async function recordStream(options: RecordOptions): Promise<RecordResult> {
  const listed = (await listShards(options.kinesis, options.streamName)).sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : 1));
  const shards = listed.map((shard) => shard.ShardId!);
  const hashRanges = Object.fromEntries(listed.map((shard) => [shard.ShardId!, hashKeyRangeOf(shard)]));
  const parents = Object.fromEntries(listed.map((shard) => [shard.ShardId!, parentsOf(shard)] as const).filter(([, ids]) => ids.length > 0));
  const writer = await openRecordingWriter(options.out, { stream: options.streamName, shards, hashRanges, parents });
  const known = new Set(shards);
  const running = new Set<Promise<void>>();
  const failed = new AbortController();
  const stopped = (): boolean => Boolean(options.signal?.aborted) || failed.signal.aborted;
  let interrupted = false;

  const readShard = async (shardId: string): Promise<void> => {
    const reader = new ShardReader(options.kinesis, options.streamName, shardId, options.reader);
    await reader.start(undefined, 'TRIM_HORIZON');
    while (!stopped()) {
      const read = await reader.read();
      if (read.records.length > 0) {
        await writer.write(read.records);
        options.onProgress?.(writer.records);
      }
      if (read.shardEnded) return discoverChildren();
      if (options.untilCaughtUp && read.records.length === 0 && read.millisBehindLatest === 0) return;
    }
    interrupted = true;
  };

  /**
   * A shard ends when it is resharded: its children, created after the recording started, are
   * announced in the recording and read from their start, so a recording made across a reshard
   * holds every record and the lineage replay needs.
   */
  const discoverChildren = async (): Promise<void> => {
    const fresh = (await listShards(options.kinesis, options.streamName)).filter((shard) => !known.has(shard.ShardId!));
    // Claimed at once: the other parent of a merge may be discovering the same child.
    for (const shard of fresh) known.add(shard.ShardId!);
    for (const shard of fresh) {
      shards.push(shard.ShardId!);
      await writer.shardAdded({ shard: shard.ShardId!, hashRange: hashKeyRangeOf(shard), parents: parentsOf(shard) });
      start(shard.ShardId!);
    }
  };

  const start = (shardId: string): void => {
    const reading: Promise<void> = readShard(shardId).finally(() => running.delete(reading));
    running.add(reading);
  };

  try {
    for (const shardId of shards) start(shardId);
    while (running.size > 0) await Promise.race(running);
  } catch (error) {
    failed.abort();
    throw error;
  } finally {
    await Promise.allSettled(running);
    await writer.close();
  }
  return { records: writer.records, shards, interrupted };
}
