/**
 * Where metric events go besides the lake, as an operator configures it:
 * - a Kinesis metrics stream gets every window metric the lake's `_metrics` table holds, plus the
 *   worker's hourly operational metrics, whose record counts add up to what was produced, and the
 *   stream-wide windows;
 * - `adstream run` with ADSTREAM_METRICS_OUTPUT=emf-stdout prints CloudWatch EMF lines on stdout
 *   for the stream-level series only (CloudWatch bills per series), and nothing else there.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { generateTraffic, type GeneratedRecord } from '../../stream/generator/index.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { readMetricsStream } from '../support/metricsStream.ts';

const BIN = join(import.meta.dirname, '../../stream/cli/bin.js');
let pipeline: LocalPipeline;
let records: GeneratedRecord[];

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  records = [...generateTraffic({ seed: 11, durationMs: 3_600_000, impressionsPerMinute: 60 }).records];
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});


describe('metric outputs', () => {
  it('a Kinesis metrics stream receives every window metric of the lake and operational counts that add up', async () => {
    const config = pipeline.configFor('metrics-in', { metricsStream: 'metrics-out' });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, 'metrics-out', 1);
    kinesis.destroy();
    await pipeline.produce(config, records, 2);
    await pipeline.consume(config);

    const streamed = await readMetricsStream(config, 'metrics-out');
    const lake = await LakeQuery.open(config.lake);
    try {
      const rows = await lake.query('SELECT shard_id, key, epoch_ms(window_start) AS start, metric, value FROM metrics');
      const fromLake = rows.map((r) => `${String(r.key)}@${String(r.start)}:${String(r.metric)}=${Number(r.value)}`).sort();
      const cells = (metrics: typeof streamed) => metrics.flatMap((m) => Object.entries(m.values).map(([name, value]) => `${m.key}@${m.windowStart}:${name}=${value}`)).sort();
      const isStreamWide = (m: (typeof streamed)[number]) => m.dimensions.scope === 'stream';
      const partials = streamed.filter((m) => !m.key.startsWith('ops=') && !m.key.startsWith('consumer=') && !isStreamWide(m));
      expect(fromLake.length).toBeGreaterThan(1_000);
      expect(cells(partials)).toEqual(fromLake);
      // Each partial names the shard the lake row names (no reshard here, so the writing shard):
      // a consumer dedupes on (shard, key, windowStart), as two shards' partials can share the
      // rest (here campaigns are the partition keys, so only the quality series have one per shard).
      const withShard = (shard: unknown, key: string, start: unknown) => `${String(shard)}/${key}@${String(start)}`;
      expect(new Set(partials.map((m) => withShard(m.shard, m.key, m.windowStart)))).toEqual(new Set(rows.map((r) => withShard(r.shard_id, String(r.key), r.start))));
      expect(streamed.filter(isStreamWide).every((m) => m.shard === undefined)).toBe(true);
      // Partitioned by campaign, every campaign lives on one shard: its stream-wide windows are its shard's.
      const streamWide = cells(streamed.filter((m) => isStreamWide(m) && !m.key.includes('quality=')).map((m) => ({ ...m, key: m.key.replace(/^scope=stream\|/, '') })));
      expect(streamWide).toEqual(fromLake.filter((cell) => !cell.startsWith('quality=')));
    } finally {
      lake.close();
    }
    const ops = streamed.filter((m) => m.key === 'ops=ingest|source=metrics-in');
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.reduce((sum, m) => sum + m.values.records_in, 0)).toBe(records.length);
    // The consumer's processing lag goes with every committed batch, per shard (not to the lake).
    const lag = streamed.filter((m) => m.key.startsWith('consumer=lag|'));
    expect(new Set(lag.map((m) => m.dimensions.shard))).toEqual(new Set(['shardId-000000000000', 'shardId-000000000001']));
    expect(lag.every((m) => typeof m.values.millis_behind_latest === 'number')).toBe(true);
  }, 120_000);

  it('adstream run prints EMF lines for the stream-level series on stdout, and nothing else', async () => {
    const config = pipeline.configFor('emf-in');
    await pipeline.produce(config, records, 2);
    const child = spawn('node', [BIN, 'run', '--until-caught-up', '--health-port', '0'], {
      env: { ...process.env, ...environmentFor(config), ADSTREAM_METRICS_OUTPUT: 'emf-stdout', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } });
    expect(parsed.length).toBeGreaterThan(10);
    for (const line of parsed) {
      expect(line._aws.CloudWatchMetrics[0].Namespace).toBe('adstream');
      const dimensions = line._aws.CloudWatchMetrics[0].Dimensions.flat();
      expect(dimensions).not.toContain('campaign');
    }
    // The dashboard's rejected-rate graph reads these: ops=ingest, source=<stream>, records_in and rejected.
    const ops = parsed.filter((line) => line.ops === 'ingest' && line.source === 'emf-in');
    expect(ops.reduce((sum, line) => sum + Number(line.records_in), 0)).toBe(records.length);
    const malformed = records.filter((r) => r.truth.kind === 'malformed').length;
    expect(ops.reduce((sum, line) => sum + Number(line.rejected), 0)).toBe(malformed);
  }, 120_000);
});
