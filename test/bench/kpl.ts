/**
 * KPL deaggregation throughput (issue 3): our `deaggregateAll` against aws-kinesis-agg's own
 * `deaggregateSync` (checksums on, as ours always are) over the same aggregated records, in the
 * same run, interleaved (timing.ts). aws-kinesis-agg takes the Lambda event shape (data as
 * base64) and returns base64: its input is encoded before timing and its output left as is,
 * which favours it. `benchKpl()` returns the table; `tsx test/bench/kpl.ts` prints it.
 */
import { pathToFileURL } from 'node:url';
import agg from 'aws-kinesis-agg';
import { deaggregateAll, type HashRange, type KinesisRecordLike } from '../../stream/kpl/deaggregate.ts';
import { aggregateOne } from '../stream/kpl/awsKinesisAgg.ts';
import type { Machine } from './machine.ts';
import { fixed, int, markdownTable, textTable, type Table } from './table.ts';
import { timeInterleaved } from './timing.ts';

// 100 user records per aggregate, 100 aggregates per GetRecords result (10,000 user records).
export const KPL_BENCH = { aggregates: 2_000, perAggregate: 100, perGetRecords: 100, partitionKeys: 50 };
const SEQ_BASE = 49590338271490256608559692538361571095921575989136588898n;

function buildInput(): { aggregated: KinesisRecordLike[]; plain: KinesisRecordLike[]; userRecords: number } {
  const aggregated: KinesisRecordLike[] = [];
  const plain: KinesisRecordLike[] = [];
  let n = 0;
  for (let a = 0; a < KPL_BENCH.aggregates; a++) {
    const users = Array.from({ length: KPL_BENCH.perAggregate }, () => {
      const i = n++;
      const json = `{"type":"impression","event_id":"ev-${i}","campaign_id":"c-${i % KPL_BENCH.partitionKeys}","event_time":${1_700_000_000_000 + i},"cost_micros":${(i * 7919) % 100_000}}`;
      return { partitionKey: `c-${i % KPL_BENCH.partitionKeys}`, data: Buffer.from(json) };
    });
    const encoded = aggregateOne(users);
    aggregated.push({ data: encoded.data, partitionKey: encoded.partitionKey, sequenceNumber: String(SEQ_BASE + BigInt(a)), arrivalTime: 0 });
    for (const [j, user] of users.entries()) {
      plain.push({ data: user.data, partitionKey: user.partitionKey, sequenceNumber: String(SEQ_BASE + BigInt(a * KPL_BENCH.perAggregate + j)), arrivalTime: 0 });
    }
  }
  return { aggregated, plain, userRecords: n };
}

/** One deaggregateAll call per GetRecords-sized batch, as the consumer will call it. */
function inBatches(records: KinesisRecordLike[], size: number, range?: HashRange): number {
  let count = 0;
  for (let i = 0; i < records.length; i += size) count += deaggregateAll(records.slice(i, i + size), range).length;
  return count;
}

function referenceCount(lambdaRecords: { data: string; partitionKey: string; sequenceNumber: string }[]): number {
  let count = 0;
  for (const record of lambdaRecords) {
    agg.deaggregateSync(record as never, true, (error, users) => {
      if (error) throw error;
      count += users?.length ?? 0;
    });
  }
  return count;
}

export function benchKpl(log: (message: string) => void = () => {}): Table {
  const input = buildInput();
  const lambdaRecords = input.aggregated.map((r) => ({ data: Buffer.from(r.data).toString('base64'), partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber }));
  const lowerHalf = { start: 0n, end: (1n << 127n) - 1n };
  const passes = [
    { name: 'deaggregate', what: 'ours: MD5 check + protobufjs decode', run: () => inBatches(input.aggregated, KPL_BENCH.perGetRecords) },
    { name: 'deaggregate + range', what: 'ours, kept: half the hash space (one MD5 per key per batch)', run: () => inBatches(input.aggregated, KPL_BENCH.perGetRecords, lowerHalf) },
    { name: 'aws-kinesis-agg deaggregateSync', what: 'baseline: awslabs, checksums on, base64 in/out', run: () => referenceCount(lambdaRecords) },
    { name: 'plain records pass-through', what: 'ours on the same user records unaggregated', run: () => inBatches(input.plain, KPL_BENCH.perGetRecords * KPL_BENCH.perAggregate) },
  ];
  const timed = timeInterleaved(passes, 5, log);
  const baseline = timed.get('aws-kinesis-agg deaggregateSync')!.timing.medianMs;
  return {
    headers: ['pass', 'what', 'records out', 'median ms', 'user records/s', '× baseline speed'],
    numeric: [2, 3, 4, 5],
    rows: passes.map(({ name, what }) => {
      const { timing, result } = timed.get(name)!;
      return [name, what, int(result as number), fixed(timing.medianMs, 1), int(input.userRecords / (timing.medianMs / 1_000)), fixed(baseline / timing.medianMs)];
    }),
  };
}

const TITLE = `KPL deaggregation, ${int(KPL_BENCH.aggregates * KPL_BENCH.perAggregate)} user records in ${int(KPL_BENCH.aggregates)} aggregates`;

/** The RESULTS.md section for this table. */
export function kplSection(table: Table, machine: Machine): string {
  return [
    '',
    `## ${TITLE}`,
    '',
    `${machine.date.slice(0, 10)}, ${machine.cpu} (${machine.cores} cores), Node ${machine.node}; one core, median of 5 interleaved runs after a warm-up.`,
    'aws-kinesis-agg gets its base64 input prepared before timing and returns base64 (not decoded), which favours it.',
    '',
    markdownTable(table),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const table = benchKpl((m) => process.stderr.write(`${m}\n`));
  console.log(`\n${TITLE}\n`);
  console.log(textTable(table));
}
