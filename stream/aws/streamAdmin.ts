/** Creating the Kinesis stream a run needs, and waiting until it can take records. */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

/**
 * Creates the stream with `shardCount` shards unless it exists; resolves once it is ACTIVE, with
 * whether this call created it and its open shards (an existing stream keeps its own count).
 */
export async function ensureStream(kinesis: KinesisClient, streamName: string, shardCount: number, timeoutMs = 60_000): Promise<{ created: boolean; openShards: number | undefined }> {
  let created = true;
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return { created, openShards: StreamDescriptionSummary.OpenShardCount };
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (performance.now() > deadline) throw new Error(`stream ${streamName} did not become ACTIVE within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether the stream exists (in any status); `abortSignal` gives up the question. */
export async function streamExists(kinesis: KinesisClient, streamName: string, abortSignal?: AbortSignal): Promise<boolean> {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }), { abortSignal });
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** The sentence for a stream that does not exist, with what to do about it (`remedy`). */
export const missingStreamSentence = (streamName: string, remedy: string): string => `the stream ${streamName} does not exist; ${remedy}`;
