/**
 * EMF lines into an object store (a directory locally, S3 in the cloud), one JSON Lines object
 * per batch under `emf/<name>.jsonl`: a redone batch overwrites its own object. A CloudWatch agent
 * or a subscription can ship them; locally they are what a replay's golden output compares.
 */
import type { ObjectStore } from '../objectStore/objectStore.ts';
import { emfLine, EMF_NAMESPACE } from './emf.ts';
import type { MetricRecord, MetricsSink } from './metricsSink.ts';

export const EMF_PREFIX = 'emf/';

export class EmfStoreSink implements MetricsSink {
  constructor(
    private readonly store: ObjectStore,
    private readonly namespace = EMF_NAMESPACE,
  ) {}

  async write(name: string, metrics: readonly MetricRecord[]): Promise<void> {
    if (metrics.length === 0) return;
    const body = metrics.map((metric) => `${emfLine(metric, this.namespace)}\n`).join('');
    await this.store.put(`${EMF_PREFIX}${name}.jsonl`, Buffer.from(body, 'utf8'));
  }
}

/** EMF lines to a writable (stdout in a container, where the CloudWatch agent picks them up). */
export class EmfStreamSink implements MetricsSink {
  constructor(
    private readonly out: { write(chunk: string): unknown },
    private readonly namespace = EMF_NAMESPACE,
  ) {}

  async write(_name: string, metrics: readonly MetricRecord[]): Promise<void> {
    for (const metric of metrics) this.out.write(`${emfLine(metric, this.namespace)}\n`);
  }
}
