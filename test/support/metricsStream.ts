/** Reads back every record of a Kinesis metrics stream (on kinesalite), as the metric events they carry. */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { listShardIds } from '../../stream/consumer/worker.ts';
import type { MetricRecord } from '../../sinks/metrics/metricsSink.ts';

export async function readMetricsStream(config: Parameters<typeof kinesisClient>[0], stream: string): Promise<MetricRecord[]> {
  const kinesis = kinesisClient(config);
  try {
    const out: MetricRecord[] = [];
    for (const shardId of await listShardIds(kinesis, stream)) {
      let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      while (iterator) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const record of page.Records ?? []) out.push(JSON.parse(Buffer.from(record.Data!).toString('utf8')) as MetricRecord);
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  } finally {
    kinesis.destroy();
  }
}
