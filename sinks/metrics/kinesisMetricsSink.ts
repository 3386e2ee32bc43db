/**
 * Metric events onto a Kinesis stream of their own, one JSON record each, for consumers that
 * want them live (a dashboard, another detector, a Firehose to a metrics store). The partition
 * key is the metric key, so one series stays on one shard and in order.
 *
 * At least once, like the alerts: a batch redone after a crash puts its metric events again
 * with the same window bounds, which a consumer can dedupe on (shard, key, windowStart), the
 * shard being absent on stream-wide windows.
 * The records go through the project's Producer: PutRecords within Kinesis's limits, only the
 * rejected entries retried.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Producer } from '../../stream/producer/index.ts';
import type { MetricRecord, MetricsSink } from './metricsSink.ts';

export class KinesisMetricsSink implements MetricsSink {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
  ) {}

  async write(_name: string, metrics: readonly MetricRecord[]): Promise<void> {
    if (metrics.length === 0) return;
    const producer = new Producer(this.kinesis, { streamName: this.streamName });
    await producer.putAll(metrics.map((metric) => ({ data: Buffer.from(JSON.stringify(metric), 'utf8'), partitionKey: metric.key.slice(0, 256) })));
  }
}
