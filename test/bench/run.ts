/**
 * `npm run bench`: pipeline throughput against a hand-written loop and a JSON.parse floor on
 * ≥ 1M generated records, then the Parquet encoders side by side. Prints plain-text tables and
 * writes test/bench/RESULTS.md from the same run (pass --no-write to only print).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ParquetBenchResult } from './parquet.ts';
import { inOwnProcess } from './ownProcess.ts';
import { benchReplay } from './replay.ts';
import { benchConsumer, consumerSection } from './consumer.ts';
import { benchKpl, kplSection } from './kpl.ts';
import { benchLakeWriter, lakeWriterSection } from './lakeWriter.ts';
import { benchSpill, firstRecords, spillSection, SPILL_BENCH_RECORDS } from './spill.ts';
import { benchDetectors, detectorsSection, printDetectors } from './detectors.ts';
import { benchNab } from './nab.ts';
import { runPipeline } from './pipeline.ts';
import { runPlainLoop } from './plainLoop.ts';
import { jsonRecords, runDecodeOnly, runJsonParse } from './floors.ts';
import { buildInput } from './records.ts';
import { describeMachine } from './machine.ts';
import { timeInterleaved } from './timing.ts';
import { renderResults, throughputTables, parquetTable, type PassResult } from './report.ts';
import { textTable } from './table.ts';

const PARQUET_ROWS = 200_000;
// 6 simulated hours at 1,400 impressions/min (diurnal night trough) ≈ 1.06M records.
const GENERATOR = { seed: 42, impressionsPerMinute: 1_400 };

const write = !process.argv.includes('--no-write');
const log = (message: string) => process.stderr.write(`${message}\n`);

const machine = describeMachine();
log(`generating records (${JSON.stringify(GENERATOR)}) ...`);
const genStart = performance.now();
const input = buildInput(GENERATOR);
const generateSeconds = (performance.now() - genStart) / 1_000;
if (input.records < 1_000_000) throw new Error(`bench input has ${input.records} records, expected at least 1,000,000`);
log(`${input.records} records, ${input.batches.length} batches, ${(input.bytes / 1e6).toFixed(1)} MB in ${generateSeconds.toFixed(1)} s`);

const json = jsonRecords(input.batches);
const specs = [
  { name: 'pipeline', what: 'processBatch + ShardState + default detectors', records: input.records, run: () => runPipeline(input.batches) },
  { name: 'plain loop', what: 'decode + field checks + Map dedupe + per-minute counters', records: input.records, run: () => runPlainLoop(input.batches) },
  { name: 'JSON.parse only', what: 'toString + JSON.parse, JSON records only', records: json.length, run: () => runJsonParse(json) },
  { name: 'decodeRecord only', what: 'pipeline decode + validation, no state', records: input.records, run: () => runDecodeOnly(input.batches) },
];
const timed = timeInterleaved(specs, 3, log);
const passes: PassResult[] = specs.map(({ name, what, records }) => ({ name, what, records, ...timed.get(name)! }));

log(`Parquet encoders, ${PARQUET_ROWS} rows (own process) ...`);
const parquet = await inOwnProcess<ParquetBenchResult[]>('./parquet.ts', [String(PARQUET_ROWS), '--json']);

const replay = await benchReplay(input, log);

const lakeWriter = await benchLakeWriter(PARQUET_ROWS, log);
console.log(lakeWriterSection(lakeWriter, PARQUET_ROWS));
const spill = await benchSpill(firstRecords(input, SPILL_BENCH_RECORDS), log);
console.log(spillSection(spill));

log('KPL deaggregation ...');
const kpl = benchKpl(log);
log('consumers on kinesalite ...');
const consumer = await benchConsumer(200_000, log);
console.log('\nKPL deaggregation\n');
console.log(textTable(kpl));
console.log(consumerSection(consumer, machine));
const detectors = benchDetectors(log);
printDetectors(detectors);
log('NAB ...');
const nabSection = await benchNab(log);
console.log(nabSection);

const tables = throughputTables(passes, input);
const parquetRows = parquetTable(parquet, PARQUET_ROWS);
console.log(`\nThroughput, one core, median of 3 interleaved runs after a warm-up (${machine.cpu}, Node ${machine.node})\n`);
console.log(textTable(tables.throughput));
console.log('\nSame answers? Record outcomes per pass\n');
console.log(textTable(tables.outcomes));
console.log(`\nParquet encoders, ${PARQUET_ROWS.toLocaleString('en-US')} impression rows\n`);
console.log(textTable(parquetRows));

if (write) {
  const path = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(path, renderResults({ machine, input, generateSeconds, passes, tables, parquet: parquetRows, parquetResults: parquet, parquetRowCount: PARQUET_ROWS, plainLoopMicrosPerRecord: replay.plainLoopMicrosPerRecord }) + replay.section + lakeWriterSection(lakeWriter, PARQUET_ROWS) + spillSection(spill) + kplSection(kpl, machine) + consumerSection(consumer, machine) + detectorsSection(detectors) + nabSection);
  log(`\nwrote ${path}`);
}
// lifion-kinesis leaves timers behind after stopConsumer(); the run is over.
process.exit(0);
