/**
 * `adstream replay <file> --lake <dir>`: a recording through the same pipeline as `adstream run`
 * (decode, validate, dedupe, windows, detectors, Parquet, alert log), with virtual time and no
 * AWS. Run it again on the same directories after a kill and it resumes from its checkpoint.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadReplayCheckpoint, loadReplayClaim } from '../../replay/replayCheckpoint.ts';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { KINESIS_NAME_RULE, isKinesisName } from '../../replay/recording.ts';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { ReplayStats } from '../../replay/replay.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REPLAY_BATCH_SIZE, directoriesFor } from '../../replay/replayDefaults.ts';
import type { ParquetEncoderName } from '../../../sinks/parquet/encoder.ts';
import { hasParquetFile } from '../../../sinks/lake/hasParquetFile.ts';
import { ProgressLine } from '../progressLine.ts';
import { positiveInteger } from '../wholeNumberOption.ts';
import { StoppedBySignal, stopOnSignals } from '../stopSignals.ts';
import { makeDirectory } from '../../../sinks/makeDirectory.ts';

/** Commit points count every run of a resumed replay, the records only this run's. */
const summary = (s: ReplayStats): string =>
  `commit points ${s.batches}${s.resumed ? ' (all runs; the counts that follow are this run\'s)' : ''} · in ${s.recordsIn} · written ${s.written} · rejected ${s.rejected} · duplicates ${s.duplicates} · late ${s.late} · metric events ${s.metricEvents} (merged ${s.mergedMetricEvents}) · alert notifications ${s.alerts}`;

export function replayCommand(): Command {
  return new Command('replay')
    .description('Feed a recording (from "adstream record") through the pipeline with virtual time and no AWS: Parquet lake, alert log, EMF metric lines. Resumes from its checkpoint when run again on the same directories.')
    .argument('<file>', 'recording from "adstream record" (gzip JSON Lines, the same gunzipped, or an Avro container), or Kinesis records as the API names them (aws kinesis get-records output) or as Lambda or EventBridge Pipes hand them on (their events)', pathOption)
    .option('--lake <dir>', 'lake directory (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--stream <name>', 'the stream the records came from, as the lake and metrics name it (default: the recording\'s header; a capture without one: its file name)')
    .option('--state <dir>', 'shard snapshots and replay checkpoint (default: <lake>.state)')
    .option('--metrics <dir>', 'EMF metric lines (default: <lake>.metrics)')
    .option('--alert-log <file>', 'alert log (default: <lake>.alerts.jsonl)')
    .option('--batch-size <n>', `records per part, as one GetRecords call returns them; parts are committed together every lakeFileTargetBytes of record data`, positiveInteger, DEFAULT_REPLAY_BATCH_SIZE)
    .option('--allow-truncated', 'replay a recording cut short (a recorder that was killed) up to its last whole record, rather than refuse it')
    .option('--idle-timeout-ms <ms>', `virtual ms after which a quiet shard stops holding the watermark (default: streamWindowIdleMs, or ${DEFAULT_IDLE_TIMEOUT_MS} where that is 0)`, positiveInteger)
    .action(async (file: string, options: { lake?: string; stream?: string; state?: string; metrics?: string; alertLog?: string; batchSize: number; idleTimeoutMs?: number; allowTruncated?: boolean }) => {
      const config = loadConfig({ lake: options.lake });
      if (config.lake.startsWith('s3://')) throw new ConfigError(`replay writes a local lake directory, not ${config.lake}; pass --lake <dir>.`);
      if (!existsSync(file)) throw new ConfigError(`the recording ${file} does not exist.`);
      // Read, it was refused with Node's "EISDIR: illegal operation on a directory, read".
      if (statSync(file).isDirectory()) throw new ConfigError(`the recording ${file} is a directory; name the recording file in it (adstream record writes one, e.g. traffic.jsonl.gz).`);
      const { batchSize } = options;
      // The live worker's stream-wide merge idles a quiet shard after streamWindowIdleMs: a fixed
      // 60000 here replayed a stream whose workers were set otherwise to other stream-wide windows
      // and alerts than theirs. 0 turns the worker's merge off; replay always merges, at the default.
      const idleTimeoutMs = options.idleTimeoutMs ?? (config.streamWindowIdleMs > 0 ? config.streamWindowIdleMs : DEFAULT_IDLE_TIMEOUT_MS);
      if (options.stream !== undefined && !isKinesisName(options.stream)) throw new ConfigError(`--stream must be a stream name of ${KINESIS_NAME_RULE}, but it is "${options.stream}".`);
      const defaults = directoriesFor(config.lake);
      const dirs = {
        lake: config.lake,
        state: options.state ?? defaults.state,
        metrics: options.metrics ?? defaults.metrics,
        alertLog: options.alertLog ?? defaults.alertLog,
      };
      // Before the recording is read (minutes for a large one): outputs that cannot be written.
      for (const [flag, path] of [['--lake', dirs.lake], ['--state', dirs.state], ['--metrics', dirs.metrics]] as const) {
        if (existsSync(path) && !statSync(path).isDirectory()) throw new ConfigError(`${flag} ${path} is a file; replay writes a directory there.`);
      }
      if (existsSync(dirs.alertLog) && statSync(dirs.alertLog).isDirectory()) throw new ConfigError(`--alert-log ${dirs.alertLog} is a directory; replay appends to a file there.`);
      // Lake files are named after the commit units that wrote them: a run cut differently (another
      // replay's state, a live worker's lake) writes the same records under other names, twice. A
      // replay's own state holds its claim from before its first file (replayCheckpoint.ts).
      const state = new LocalDirStore(dirs.state);
      const claim = await loadReplayClaim(state);
      if (claim?.lake !== undefined && claim.lake !== resolve(dirs.lake)) {
        throw new ConfigError(`--state ${dirs.state} belongs to the replay into ${claim.lake}, not ${resolve(dirs.lake)}: use that --lake, or another --state.`);
      }
      // A resume writing its metrics or alerts elsewhere split them between two places, and neither held a whole run's.
      for (const [flag, saved, now] of [['--metrics', claim?.metrics, dirs.metrics], ['--alert-log', claim?.alertLog, dirs.alertLog]] as const) {
        if (saved !== undefined && saved !== resolve(now)) {
          throw new ConfigError(`${flag} ${resolve(now)} is not where the replay being resumed writes it (${saved}): resume with ${flag} ${saved}, or start over with an empty state directory (--state) and another --lake.`);
        }
      }
      const checkpoint = await loadReplayCheckpoint(state);
      const claimed = claim !== undefined || checkpoint !== undefined;
      // A lake removed to start over, its state kept: resumed, the replay said it was already
      // complete (or wrote only the records after its checkpoint) into a lake without the rest.
      const committed = Object.values(checkpoint?.shards ?? {}).reduce((sum, shard) => sum + shard.next, 0);
      if (committed > 0 && !hasParquetFile(dirs.lake)) {
        throw new ConfigError(
          `--state ${dirs.state} holds a replay that committed ${committed} records into ${dirs.lake}, which holds no lake file now (removed?): to replay afresh, remove ${dirs.state}, ${dirs.metrics} and ${dirs.alertLog} as well, or give another --state.`,
        );
      }
      if (!claimed && hasParquetFile(dirs.lake)) {
        throw new ConfigError(
          `${dirs.lake} already holds lake files that nothing in this replay's state (${dirs.state}) accounts for (no claim, no checkpoint); replaying into it would store the recording's records a second time beside them: use an empty --lake, or the --state of the replay that wrote it.`,
        );
      }
      // Made before the recording is read (minutes for a large one): an output that cannot be made
      // stopped the replay at its first commit or first alert, and one that raised no alert named an
      // alert log that could never be written. The lake is there when done, even for a recording of
      // no records: `adstream query` reads it as empty.
      for (const directory of [dirs.lake, dirs.state, dirs.metrics, dirname(dirs.alertLog)]) await makeDirectory(directory);
      const [{ RecordingError }, { readRecording }, { replayToDirectory }] = await Promise.all([
        import('../../replay/recording.ts'),
        import('../../replay/recordingFile.ts'),
        import('../../replay/replayToDirectory.ts'),
      ]);
      const line = new ProgressLine();
      let recording;
      try {
        recording = await readRecording(file, { allowTruncated: options.allowTruncated, onProgress: (records) => line.update(`reading ${file}: ${records} records`) });
      } catch (error) {
        if (error instanceof RecordingError) throw new ConfigError(error.message);
        throw error;
      }
      if (options.stream !== undefined) recording.header.stream = options.stream;
      if (recording.header.stream === undefined) {
        await recording.close();
        throw new ConfigError(`${file}'s header names no stream, which the lake's file names and the metrics need: pass --stream <name>.`);
      }
      // A capture made without adstream (or a recording from before adstream recorded lineage, as
      // test/fixtures/recordings/small-2shards.jsonl.gz) names no parents: a resharded stream's children are replayed
      // beside their parents rather than after them, so its late counts and stream-wide windows can
      // differ from the live worker's, which the user should hear before comparing the two. Nor does
      // it hold the shards' hash key ranges: a KPL sub-record whose key belongs to another shard,
      // which the worker put in the DLQ (kpl_outside_shard), is written, and after a re-drive twice.
      const { header } = recording;
      if (header.shards.length > 1 && header.parents === undefined && header.hashRanges === undefined) {
        line.log(`note: ${file} holds ${header.shards.length} shards and no shard lineage (a capture made without adstream record, or a recording adstream made before it recorded lineage): each shard is replayed as a root, so if the stream was resharded, a child's records are not held until its parent's are done, and late counts may differ from the live worker's; and with no hash key ranges, KPL sub-records whose keys belong to another shard are written where the live worker rejected them (kpl_outside_shard).`);
      }
      // Once replaying, SIGINT/SIGTERM commit what is processed and stop: run again, it resumes there.
      const stop = stopOnSignals(
        (signal) => line.log(`${signal}: stopping, committing the parts processed so far (a second signal exits at once) ...`),
        'the parts since the last commit point are not committed; run the same command again to resume from it.',
      );
      let stats;
      try {
        // Claimed before the first file is written, so a replay killed before its first checkpoint resumes.
        stats = await replayToDirectory(
          recording,
          dirs,
          { ...config, parquetEncoder: config.parquetEncoder as ParquetEncoderName },
          { batchSize, idleTimeoutMs, signal: stop.signal, onBatch: (s) => line.update(summary(s)) },
        );
      } finally {
        stop.dispose();
        await recording.close();
      }
      const repeats = recording.repeats ? ` (${recording.repeats} records the file held twice read once)` : '';
      const cut = recording.cutShort ? ` (the file is cut short ${recording.cutShort}: records after it are not in it)` : '';
      if (!stats.finished) {
        line.done(`stopped after commit point ${stats.batches}; run the same command again to resume: ${summary(stats)}`);
        throw new StoppedBySignal(stop.exitCode() ?? 1);
      }
      if (stats.resumed && stats.recordsIn === 0 && stats.metricEvents === 0 && stats.alerts === 0) {
        line.done(`nothing to do: the replay of ${recording.records} records of ${recording.header.stream} into ${dirs.lake} was already complete (${stats.batches} commit point${stats.batches === 1 ? '' : 's'}).`);
        return;
      }
      line.done(`${stats.resumed ? 'resumed and ' : ''}replayed ${recording.records} records of ${recording.header.stream}${repeats}${cut}: ${summary(stats)}`);
      // The merger counts them rather than drop them silently; unsaid, a stream-wide window short of
      // the lake's count (a shard idle, then back) had no explanation anywhere in the outputs.
      if (stats.latePartials > 0) {
        const n = stats.latePartials;
        line.log(
          `${n} shard window${n === 1 ? '' : 's'}${stats.resumed ? ' (all runs)' : ''} came after the stream-wide window had fired (a shard quiet for longer than the idle timeout, then back): ${n === 1 ? 'its counts are' : 'their counts are'} in the shard's own metrics, not in the stream's.`,
        );
      }
      line.log(`lake ${dirs.lake} · metrics ${dirs.metrics} · alerts ${dirs.alertLog}`);
    });
}
