/**
 * Teams that archive the stream through Firehose set `firehoseDeliveryStream`: a worker on the
 * embedded services then sends what it reads to Firehose (a wire-level double decoding the real
 * FirehoseClient's PutRecordBatch requests) before each checkpoint. Checked against the generator's
 * input: raw mode archives every record byte for byte, rejected and duplicate ones included;
 * validated mode archives each valid event once, as a JSON line with its type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic, tallyTruth, type GeneratedRecord, type TruthTally } from '../../stream/generator/index.ts';
import { startFirehoseDouble, type FirehoseDouble } from '../sinks/firehose/firehoseDouble.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

const STREAM = 'archived';
let pipeline: LocalPipeline;
let firehose: FirehoseDouble;
let records: GeneratedRecord[];
let truth: TruthTally;

beforeAll(async () => {
  [pipeline, firehose] = await Promise.all([startLocalPipeline(), startFirehoseDouble()]);
  records = [...generateTraffic({ seed: 41, durationMs: 1_200_000, impressionsPerMinute: 40, anomalies: [] }).records];
  truth = tallyTruth(records);
  await pipeline.produce(pipeline.configFor(STREAM), records, 2);
});
afterAll(async () => {
  await firehose?.close();
  await pipeline?.stop();
});

function archivingConfig(name: string, mode: 'raw' | 'validated') {
  return pipeline.configFor(STREAM, {
    leaseTable: `${name}-leases`,
    lake: `${pipeline.dir}/${name}/lake`,
    stateStore: `${pipeline.dir}/${name}/state`,
    alertLog: `${pipeline.dir}/${name}/alerts.jsonl`,
    firehoseEndpoint: firehose.endpoint,
    firehoseDeliveryStream: `${name}-archive`,
    firehoseRecords: mode,
  });
}

const delivered = (deliveryStream: string) => firehose.requests.filter((request) => request.deliveryStreamName === deliveryStream).flatMap((request) => request.records);
const sortedBase64 = (buffers: Buffer[]) => buffers.map((buffer) => buffer.toString('base64')).sort();

describe('archiving the input through Firehose', () => {
  it('raw: every record that was put on the stream, byte for byte, once in a clean run', async () => {
    const stats = await pipeline.consume(archivingConfig('raw', 'raw'));
    expect(stats.recordsIn).toBe(records.length);
    expect(truth.malformed + truth.duplicates).toBeGreaterThan(0);
    expect(sortedBase64(delivered('raw-archive'))).toEqual(sortedBase64(records.map((record) => record.data)));
  });

  it('validated: each valid event once, as a JSON line naming its type', async () => {
    await pipeline.consume(archivingConfig('validated', 'validated'));
    const lines = delivered('validated-archive').map((buffer) => buffer.toString('utf8'));
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    const events = lines.map((line) => JSON.parse(line) as { type: string; event_id: string });
    const expected = records.flatMap((record) => (record.truth.kind === 'valid' ? [`${record.truth.eventType}|${record.truth.eventId}`] : [])).sort();
    expect(events.map((event) => `${event.type}|${event.event_id}`).sort()).toEqual(expected);
  });
});
