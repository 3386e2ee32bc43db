/**
 * The replay benchmark (issue 7): on one core and with no network,
 * 1. replay end to end: a recording of the bench input through `replay` (decode → validate →
 *    hashed dedupe → event-time windows with sketches → detector → Parquet lake files, alert
 *    log, EMF lines, state snapshots and checkpoints on a local directory);
 * 2. the plain hand-written loop over the same records (no output written), as a baseline;
 * 3. DuckDB computing the same windowed aggregation (count per minute, campaign and type of the
 *    deduplicated valid events) with read_json + GROUP BY over those events as JSON Lines;
 * 4. the dedupe state at 10M ids: bytes held per id, and ids per second.
 * Returns a markdown section for RESULTS.md and prints a table.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeRecord } from '../../stream/events/wire.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { StateStore } from '../../stream/consumer/stateStore.ts';
import { Deduplicator } from '../../stream/pipeline/dedupe.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { inMemoryRecording, type Recording } from '../../stream/replay/recording.ts';
import { openRecordingWriter, readRecording } from '../../stream/replay/recordingFile.ts';
import { BENCH_SETTINGS, benchStateConfig } from './pipeline.ts';
import { canPinToOneCore, inOwnProcess } from './ownProcess.ts';
import type { PlainLoopProcessResult, ReplayProcessResult } from './replayProcess.ts';
import type { ParquetEncoderName } from '../../sinks/parquet/encoder.ts';
import { BENCH_STREAM, buildInput, type BenchInput } from './records.ts';
import { textTable } from './table.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;

const REPLAY_BATCH = 10_000; // the most records one GetRecords call returns
const REPLAY_RUNS = 3;
/** The plain loop's batches: the bench input's (records.ts). */
const PLAIN_LOOP_BATCH = 500;
const REPLAY_PROCESS = './replayProcess.ts';
const DEDUPE_IDS = 10_000_000;
const NEW_IDS_PER_CHECKPOINT = 10_000;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function benchRecording(input: BenchInput): Recording {
  const shards = new Map<string, SourceRecord[]>();
  for (const batch of input.batches) {
    const list = shards.get(batch.shardId) ?? [];
    list.push(...batch.records);
    shards.set(batch.shardId, list);
  }
  return inMemoryRecording({ format: 'adstream-recording', version: 1, stream: BENCH_STREAM, shards: [...shards.keys()] }, shards);
}

async function duckdbWindows(input: BenchInput, dir: string): Promise<{ ms: number; groups: number; events: number }> {
  // The events the pipeline aggregates, as an analyst's JSON Lines export would hold them.
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const batch of input.batches) {
    for (const record of batch.records) {
      const decoded = decodeRecord(record.data, { arrivalTime: record.arrivalTime, maxFutureSkewMs: BENCH_SETTINGS.maxFutureSkewMs });
      if (!decoded.ok || seen.has(decoded.event.body.event_id)) continue;
      seen.add(decoded.event.body.event_id);
      const { event_time, campaign_id, cost_micros } = decoded.event.body as { event_time: number; campaign_id: string; cost_micros?: number };
      lines.push(JSON.stringify({ type: decoded.event.type, event_time, campaign_id, cost_micros: cost_micros ?? 0 }));
    }
  }
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const sql = `SELECT (event_time // ${BENCH_SETTINGS.windowMs}) AS w, campaign_id, type, count(*) AS n, sum(cost_micros) AS spend
    FROM read_json('${path}', format = 'newline_delimited', columns = {type: 'VARCHAR', event_time: 'BIGINT', campaign_id: 'VARCHAR', cost_micros: 'BIGINT'})
    GROUP BY ALL`;
  await connection.runAndReadAll(sql); // warm-up
  const start = performance.now();
  const result = await connection.runAndReadAll(sql);
  const ms = performance.now() - start;
  const groups = result.getRows().length;
  connection.closeSync();
  instance.closeSync();
  return { ms, groups, events: lines.length };
}

/** The recording written as `adstream record` writes it: a GetRecords result at a time. */
async function writeRecording(recording: Recording, path: string): Promise<void> {
  const writer = await openRecordingWriter(path, { stream: recording.header.stream, shards: recording.header.shards });
  for (const shard of recording.shards.values()) {
    const records = await shard.all();
    for (let i = 0; i < records.length; i += REPLAY_BATCH) await writer.write(records.slice(i, i + REPLAY_BATCH));
  }
  await writer.close();
}

/** Writing the recording as `adstream record` does (a GetRecords result at a time) and reading it back as `adstream replay` does, in each format. */
async function recordingFiles(recording: Recording, dir: string) {
  const out = [];
  for (const [format, name] of [['gzip JSON Lines', 'bench.jsonl.gz'], ['Avro container (deflate)', 'bench.avro']] as const) {
    const path = join(dir, name);
    let start = performance.now();
    await writeRecording(recording, path);
    const writeMs = performance.now() - start;
    start = performance.now();
    const read = await readRecording(path);
    const readMs = performance.now() - start;
    await read.close();
    if (read.records !== recording.records) throw new Error(`${name} read back ${read.records} records, expected ${recording.records}`);
    out.push({ format, megabytes: statSync(path).size / 1e6, writeMs, readMs });
  }
  return out;
}

interface CheckpointCost {
  ms: number;
  megabytes: number;
}

/**
 * What a checkpoint of the dedupe costs at that size, through the state store on a local
 * directory: the first (every id written, as every checkpoint was before segments) and the next,
 * after NEW_IDS_PER_CHECKPOINT more ids (only those written).
 */
async function checkpointCosts(dedupe: Deduplicator, dir: string): Promise<{ whole: CheckpointCost; next: CheckpointCost }> {
  // The rest of a shard's state, empty: the dedupe is what grows.
  const shell = ShardState.create(benchStateConfig, 'bench-shard').snapshot();
  const objects = new LocalDirStore(join(dir, 'state'));
  const store = new StateStore(objects);
  const written = async () => {
    let bytes = 0;
    for (const key of await objects.list('state/')) bytes += statSync(join(dir, 'state', ...key.split('/'))).size;
    return bytes;
  };
  const checkpoint = async (sequence: string): Promise<CheckpointCost> => {
    const before = await written();
    const start = performance.now();
    const taken = { ...shell, dedupe: dedupe.snapshot() };
    const { persisted } = await store.save(BENCH_STREAM, 'bench-shard', sequence, taken);
    dedupe.saved(taken.dedupe, persisted.dedupe);
    return { ms: performance.now() - start, megabytes: ((await written()) - before) / 1e6 };
  };
  const whole = await checkpoint('1');
  for (let i = 0; i < NEW_IDS_PER_CHECKPOINT; i++) dedupe.firstSighting(`new-${i}`, DEDUPE_IDS * 7 + i);
  const next = await checkpoint('2');
  return { whole, next };
}

/**
 * The bench input is a night trough (about 50 records per second of event time): windows, metric
 * events and detector runs come per minute and campaign, whatever the traffic, so their share of a
 * record's cost is at its largest there. The same replay of a busy shard shows the other end.
 */
const BUSY_SHARD = { seed: 42, impressionsPerMinute: 28_000, durationMs: 18 * 60_000, anomalies: [] };

async function busyShardReplay(dir: string, log: (message: string) => void): Promise<{ records: number; run: ReplayProcessResult; warm: NonNullable<ReplayProcessResult['warm']> }> {
  log('busy shard: generating ...');
  const path = join(dir, 'busy.jsonl.gz');
  // Generated, written and let go before the replay, which reads the file as `adstream replay` does.
  const records = await (async () => {
    const input = buildInput(BUSY_SHARD);
    await writeRecording(benchRecording(input), path);
    return input.records;
  })();
  gc?.();
  const run = await replayInOwnProcesses('replay, busy shard', path, join(dir, 'busy'), log, { thenWarm: true });
  if (!run.warm) throw new Error('the busy-shard replays reported no warm pass');
  if (run.stats.recordsIn !== records) throw new Error(`busy-shard replay took in ${run.stats.recordsIn} records, expected ${records}`);
  return { records, run, warm: run.warm };
}

interface ReplayRunOptions {
  /** Lake bytes per commit unit; the worker's default when absent, 0 for a commit per part. */
  unitBytes?: number;
  thenWarm?: boolean;
  encoder?: ParquetEncoderName;
  /** Each process held to one CPU (ownProcess.ts: `oneCore`). */
  oneCore?: boolean;
}

/**
 * `REPLAY_RUNS` replays of the recording at `path`, each in a fresh process (ownProcess.ts says
 * why) onto a lake of its own (one lake would resume from the last run's checkpoint); the run
 * with the median CPU time. Each is cold, as a user's `adstream replay` is: no warm-up run.
 * With `thenWarm`, each process then replays the recording again (replayProcess.ts says why), and
 * `warm` is the second pass with the median CPU time.
 */
async function replayInOwnProcesses(
  name: string,
  path: string,
  dir: string,
  log: (message: string) => void,
  { unitBytes, thenWarm = false, encoder, oneCore = false }: ReplayRunOptions = {},
): Promise<ReplayProcessResult> {
  const runs: ReplayProcessResult[] = [];
  for (let i = 0; i < REPLAY_RUNS; i++) {
    log(`${name} (${i + 1} of ${REPLAY_RUNS}, own process${thenWarm ? ', then a second pass warm' : ''}) ...`);
    const args = [path, join(dir, `run-${i}`, 'lake'), String(REPLAY_BATCH), ...(unitBytes === undefined ? [] : [String(unitBytes)])];
    const options = [...(encoder ? [`--encoder=${encoder}`] : []), ...(thenWarm ? ['--then-warm'] : [])];
    const run = await inOwnProcess<ReplayProcessResult>(REPLAY_PROCESS, [...options, ...args], { oneCore });
    // A replay gives the same results every time, in a fresh process or not: a second pass that
    // differed would have carried state over from the first.
    if (run.warm && JSON.stringify(run.warm.stats) !== JSON.stringify(run.stats)) {
      throw new Error(`${name}: the second pass in one process gave ${JSON.stringify(run.warm.stats)}, the first ${JSON.stringify(run.stats)}`);
    }
    runs.push(run);
  }
  const median = <T extends { cpuMs: number }>(list: T[]): T => [...list].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(list.length / 2)];
  const warmRuns = runs.flatMap((run) => (run.warm ? [run.warm] : []));
  return { ...median(runs), warm: warmRuns.length > 0 ? median(warmRuns) : undefined };
}

function dedupeAtScale(): { bytesPerId: number; idsPerSecond: number; heapBytesPerId: number; dedupe: Deduplicator } {
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const dedupe = new Deduplicator(24 * 3_600_000);
  const start = performance.now();
  // 10M distinct ids spread over 20 hours of event time: all inside the 24 h horizon.
  for (let i = 0; i < DEDUPE_IDS; i++) dedupe.firstSighting(`evt-${i.toString(36)}-${i}`, i * 7);
  const seconds = (performance.now() - start) / 1_000;
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  if (dedupe.size !== DEDUPE_IDS) throw new Error(`dedupe holds ${dedupe.size} ids, expected ${DEDUPE_IDS}`);
  return { bytesPerId: dedupe.bytes / dedupe.size, idsPerSecond: DEDUPE_IDS / seconds, heapBytesPerId: (heapAfter - heapBefore) / dedupe.size, dedupe };
}

export interface ReplayBenchResult {
  /** The RESULTS.md section. */
  section: string;
  /** The plain loop's wall-clock µs per record, in a process of its own. */
  plainLoopMicrosPerRecord: number;
}

export async function benchReplay(input: BenchInput, log: (message: string) => void): Promise<ReplayBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'adstream-bench-replay-'));
  try {
    const inMemory = benchRecording(input);
    // Replayed as \`adstream replay\` replays a file: read into its shard spools, then a part at a time.
    log('recording for the replay ...');
    const path = join(dir, 'replayed.jsonl.gz');
    await writeRecording(inMemory, path);
    // The worker's commit units (lakeFileTargetBytes, 8 MiB by default), then one commit per part as a reference.
    const replayRun = await replayInOwnProcesses('replay end to end', path, join(dir, 'end-to-end'), log, { thenWarm: true });
    if (!replayRun.warm) throw new Error('the end-to-end replays reported no warm pass');
    const perPart = await replayInOwnProcesses('replay committing every part', path, join(dir, 'per-part'), log, { unitBytes: 0 });
    // The same replay with the encoder that was the default until the direct one: what it saves.
    const withDuckdb = await replayInOwnProcesses('replay with the DuckDB encoder', path, join(dir, 'duckdb'), log, { encoder: 'duckdb' });
    if (JSON.stringify(withDuckdb.stats) !== JSON.stringify(replayRun.stats)) {
      throw new Error(`the replay with the DuckDB encoder gave ${JSON.stringify(withDuckdb.stats)}, with the default one ${JSON.stringify(replayRun.stats)}`);
    }
    // The same replay with one CPU for the whole process: its records/s is the per-core figure taken literally.
    const oneCore = canPinToOneCore ? await replayInOwnProcesses('replay on one core', path, join(dir, 'one-core'), log, { thenWarm: true, oneCore: true }) : undefined;
    for (const run of [oneCore, oneCore?.warm]) {
      if (run && JSON.stringify(run.stats) !== JSON.stringify(replayRun.stats)) {
        throw new Error(`the replay on one core gave ${JSON.stringify(run.stats)}, on every core ${JSON.stringify(replayRun.stats)}`);
      }
    }
    const { stats } = replayRun;
    const busy = await busyShardReplay(dir, log);
    // In a process of its own too, over the same recording, so the two are measured alike.
    log('plain loop (own process) ...');
    const { totals: plain, ms: plainMs, passes: plainPasses } = await inOwnProcess<PlainLoopProcessResult>(REPLAY_PROCESS, ['--plain-loop', path, String(PLAIN_LOOP_BATCH)]);
    log('DuckDB read_json + GROUP BY ...');
    const duck = await duckdbWindows(input, dir);
    log(`dedupe with ${fmt(DEDUPE_IDS)} ids ...`);
    const dedupe = dedupeAtScale();
    log('checkpoints of that dedupe ...');
    const checkpoints = await checkpointCosts(dedupe.dedupe, dir);
    // After the dedupe measurement: the recordings read back here are garbage its heap figures would count.
    log('recording files ...');
    const files = await recordingFiles(inMemory, dir);

    const rate = (records: number, ms: number) => fmt(records / (ms / 1_000));
    const cpuRate = (records: number, cpuMs: number | undefined) => (cpuMs === undefined ? '-' : fmt(records / (cpuMs / 1_000)));
    const replayRow = (name: string, what: string, run: { stats: { batches: number }; ms: number; cpuMs: number }) =>
      [name, `${what} (${fmt(run.stats.batches)} commits)`, fmt(input.records), fmt(run.ms / 1_000, 2), rate(input.records, run.ms), cpuRate(input.records, run.cpuMs)];
    const rows = [
      ['pass', 'what', 'records', 'seconds', 'records/s', 'records per CPU-second'],
      replayRow('replay end to end', 'decode, validate, hashed dedupe, windows + sketches, detector, Parquet + EMF + snapshots; commit points of 8 MiB of record data, as the worker', replayRun),
      replayRow('replay end to end, warm', "the first row's replay again in the same process, read anew onto a lake of its own: V8's compiler done with the hot code, as for a long replay or a worker, and as the plain loop and DuckDB below are measured", replayRun.warm),
      ...(oneCore?.warm
        ? [
            replayRow('replay on one core', "the first row's replay, cold, in a process held to one CPU (`taskset -c 0`): V8's compiler and GC helpers and the file writes share the core with the JavaScript, and records/s is the wall-clock rate on that core", oneCore),
            replayRow('replay on one core, warm', 'the second pass of those processes, as the warm row above', oneCore.warm),
          ]
        : []),
      replayRow('replay, commit per part', `the same, committing after every part of ${fmt(REPLAY_BATCH)} records`, perPart),
      replayRow('replay, DuckDB encoder', "the first row's replay, cold, with parquetEncoder=duckdb: the columns as JSON to DuckDB's read_json and COPY to Parquet (zstd) instead of the direct encoder", withDuckdb),
      replayRow('replay with reading', "the first row's run from the command's start: reading the gzip JSON Lines file into the shard spools, then the replay", {
        stats: replayRun.stats,
        ms: replayRun.readMs + replayRun.ms,
        cpuMs: replayRun.readCpuMs + replayRun.cpuMs,
      }),
      [
        'replay, busy shard',
        `the first row's replay over other traffic: ${fmt(BUSY_SHARD.impressionsPerMinute)} impressions a minute for ${fmt(BUSY_SHARD.durationMs / 60_000)} minutes (${fmt(busy.records / (BUSY_SHARD.durationMs / 1_000))} records per second of event time, about a Kinesis shard's 1,000 writes/s), so each window and metric event covers more records (${fmt(busy.run.stats.batches)} commits)`,
        fmt(busy.records),
        fmt(busy.run.ms / 1_000, 2),
        rate(busy.records, busy.run.ms),
        cpuRate(busy.records, busy.run.cpuMs),
      ],
      [
        'replay, busy shard, warm',
        "the busy shard's replay again in the same process, as the warm row above",
        fmt(busy.records),
        fmt(busy.warm.ms / 1_000, 2),
        rate(busy.records, busy.warm.ms),
        cpuRate(busy.records, busy.warm.cpuMs),
      ],
      ['plain loop', 'decode, field checks, Map dedupe, per-minute counters; writes nothing', fmt(input.records), fmt(plainMs / 1_000, 2), rate(input.records, plainMs), '-'],
      ['DuckDB', `read_json + GROUP BY minute, campaign, type (1 thread) over ${fmt(duck.events)} deduplicated events`, fmt(duck.events), fmt(duck.ms / 1_000, 2), rate(duck.events, duck.ms), '-'],
      ...files.flatMap(({ format, megabytes, writeMs, readMs }) => [
        ['recording, write', `adstream record's writer, ${format}, ${fmt(megabytes, 1)} MB`, fmt(input.records), fmt(writeMs / 1_000, 2), rate(input.records, writeMs), '-'],
        ['recording, read', `adstream replay's reader into shard spools (before the replay above), ${format}`, fmt(input.records), fmt(readMs / 1_000, 2), rate(input.records, readMs), '-'],
      ]),
    ];
    console.log('\nReplay mode, one core, no network\n');
    console.log(textTable({ headers: rows[0], rows: rows.slice(1) }));
    console.log(`\nDedupe at ${fmt(DEDUPE_IDS)} ids: ${fmt(dedupe.bytesPerId, 1)} bytes/id in hash tables (${fmt(dedupe.heapBytesPerId, 1)} bytes/id heap growth), ${fmt(dedupe.idsPerSecond)} ids/s`);
    const checkpointLine = `checkpoint of that state: the first ${fmt(checkpoints.whole.ms)} ms and ${fmt(checkpoints.whole.megabytes, 1)} MB (every id); the next, after ${fmt(NEW_IDS_PER_CHECKPOINT)} more ids, ${fmt(checkpoints.next.ms, 1)} ms and ${fmt(checkpoints.next.megabytes, 2)} MB`;
    console.log(`Dedupe ${checkpointLine}`);
    const table = [
      `| ${rows[0].join(' | ')} |`,
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
    const section = `
## Replay mode end to end (test/bench/replay.ts)

One recording of the bench input (${fmt(input.records)} records, one shard), replayed through \`replay\` onto a local directory in parts of ${fmt(REPLAY_BATCH)} records (one GetRecords call's worth),
committed as the worker commits: parts gathered into commit points of 8 MiB of record data (lakeFileTargetBytes), each writing the lake's Parquet files (the direct encoder, the default; one row with DuckDB's), the DLQ, the per-shard
metrics table and lineage, the alert log, a state snapshot and a checkpoint, while the parts after it are processed; EMF lines are written per part.
The JavaScript runs on one thread; the file writes (and DuckDB's encoding, with its encoder) run on other threads meanwhile, so *records per CPU-second* (user + system time of the process, all threads)
is the per-core figure, and *records/s* the wall-clock one. ${oneCore ? 'The rows *on one core* run the same replay with the whole process held to one CPU (`taskset -c 0`), so that their records/s is the per-core figure taken literally: there the compiler\'s and GC\'s helper threads take their time from the JavaScript\'s core instead of the other one.' : 'The rows on one core are left out: `taskset` was not found on this machine.'} Each replay runs in a process of its own, started with the Node flags \`adstream\` starts with (test/bench/replayProcess.ts), cold (no warm-up run,
as a user's replay), ${REPLAY_RUNS} times onto fresh directories; the row is the run with the median CPU time. In each of those processes the recording is then read and replayed again onto a lake of
its own: the *warm* row, the median of those second passes, which must give the same outcomes. A cold replay of this recording spends about a tenth of its CPU in V8's optimising compiler
(on its worker threads, mostly in the first seconds), a cost a longer replay or a worker that runs for days pays once; the plain loop and DuckDB below are measured after a warm-up as well. Until 2026-12-05 the replays ran inside the bench process, beside the generated input and
the other benches' garbage, which every major collection marked too: the same replay counted more CPU there than in a process of its own.
Same run, same records: the plain loop (computes, writes nothing; in a process of its own as well, the recording read the same way, median of ${plainPasses} passes after a warm-up) and DuckDB doing the windowed count per minute, campaign and type with \`read_json\` + \`GROUP BY\` on one thread
(time of the query only, the JSON Lines file already written). The replay rows start from the recording file already read into its shard spools, as \`adstream replay\` replays
(reading each shard back a part at a time is in their time); the recording rows are the file's own cost, written a
GetRecords result (10,000 records) at a time as \`adstream record\` writes it and read into the spools as \`adstream replay\` reads it before replaying.

${table}

Replay outcomes: ${fmt(stats.written)} written (${fmt(stats.late)} late), ${fmt(stats.rejected)} rejected, ${fmt(stats.duplicates)} duplicates, ${fmt(stats.metricEvents)} metric events, ${fmt(stats.alerts)} alerts; plain loop: ${fmt(plain.valid + plain.late)} valid (${fmt(plain.late)} late), ${fmt(plain.rejected)} rejected, ${fmt(plain.duplicates)} duplicates. DuckDB: ${fmt(duck.groups)} groups.

Dedupe state at ${fmt(DEDUPE_IDS)} distinct ids inside a 24 h horizon: **${fmt(dedupe.bytesPerId, 1)} bytes per id** in the hash tables (goal ≤ 20), ${fmt(dedupe.heapBytesPerId, 1)} bytes per id of measured heap + array-buffer growth, ${fmt(dedupe.idsPerSecond)} ids/s including hashing. A ${checkpointLine}, through the state store on a local directory (stream/consumer/stateStore.ts: segments beside the snapshot, only new ids written); before segments every checkpoint wrote every id.
`;
    return { section, plainLoopMicrosPerRecord: (plainMs * 1_000) / input.records };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
