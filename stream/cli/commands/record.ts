/**
 * `adstream record --out <file>`: copies a live stream's records (every shard from its oldest
 * record) into a recording for `adstream replay`. It stops at SIGINT/SIGTERM, or with
 * --until-caught-up once every shard has been read to its tip.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { ProgressLine } from '../progressLine.ts';
import { StoppedBySignal, stopOnSignals } from '../stopSignals.ts';
import { failureWarnings } from './run.ts';

export function recordCommand(): Command {
  return new Command('record')
    .description('Record a stream\'s records (shard, sequence number, arrival time, partition key, data) to a gzip JSON Lines file or an Avro container for "adstream replay".')
    .requiredOption('--out <file>', 'recording to write: traffic.jsonl.gz (gzip JSON Lines) or traffic.avro (Avro object container, deflate)')
    .option('--stream <name>', 'stream to record (default: ADSTREAM_STREAM)')
    .option('--until-caught-up', 'stop once every shard has been read to its tip')
    .option('--force', 'replace --out if it exists')
    .action(async (options: { out: string; stream?: string; untilCaughtUp?: boolean; force?: boolean }) => {
      // --force cannot replace a directory: it was offered, and then failed (exit 1) on EISDIR.
      if (existsSync(options.out) && statSync(options.out).isDirectory()) {
        throw new ConfigError(`--out ${options.out} is a directory; name the recording file to write, e.g. ${join(options.out, 'traffic.jsonl.gz')}.`);
      }
      // A mistyped --out replaced an earlier capture without a word.
      if (!options.force && existsSync(options.out)) throw new ConfigError(`--out ${options.out} already exists; choose another file, or pass --force to replace it.`);
      const [{ kinesisClient }, { recordStream }, { recordingFormatOf }, { missingStreamSentence, streamExists }] = await Promise.all([
        import('../../aws/clients.ts'),
        import('../../replay/recorder.ts'),
        import('../../replay/recordingFile.ts'),
        import('../../aws/streamAdmin.ts'),
      ]);
      try {
        recordingFormatOf(options.out);
      } catch (error) {
        throw new ConfigError(`--out: ${(error as Error).message}`);
      }
      const config = loadConfig({ stream: options.stream });
      const line = new ProgressLine();
      const stop = stopOnSignals(
        (signal) => line.log(`${signal}: stopping, writing the records read so far and closing ${options.out} (a second signal exits at once) ...`),
        `${options.out} ends mid-write; "adstream replay --allow-truncated" replays it up to its last whole record.`,
      );
      const kinesis = kinesisClient(config);
      // The reader retries a transient fault; each cause is said once, as a worker says its own.
      const warnOfFailure = failureWarnings((text) => line.log(text), 'recording');
      try {
        if (!(await streamExists(kinesis, config.stream))) throw new ConfigError(missingStreamSentence(config.stream, 'name the stream to record with --stream (or ADSTREAM_STREAM).'));
        const result = await recordStream({
          kinesis,
          streamName: config.stream,
          out: options.out,
          untilCaughtUp: options.untilCaughtUp,
          signal: stop.signal,
          onProgress: (records) => line.update(`recorded ${records} records`),
          reader: { onTransientError: (error) => warnOfFailure({ name: 'consumer.read_failed', workerId: 'record', detail: (error as Error).message }) },
        });
        const shards = result.shards.length;
        const recorded = `${result.records} records from ${shards} shard${shards === 1 ? '' : 's'} of ${config.stream}`;
        /**
         * A bounded recording a signal cut short exits 128 + the signal, as `run --until-caught-up`
         * does, so `record --until-caught-up && replay` stops there. The file was closed as at any
         * stop, so it is whole: the user must hear that it holds only part of the stream.
         */
        const code = stop.exitCode();
        if (options.untilCaughtUp && result.interrupted && code !== undefined) {
          line.done(
            `not caught up: stopped by a signal after recording ${recorded}; ${options.out} is a whole recording of those records (replay reads it as it is) but not of the stream to its tip: run the same command with --force to record the stream again from its oldest record.`,
          );
          throw new StoppedBySignal(code);
        }
        line.done(`recorded ${recorded} to ${options.out}`);
      } finally {
        stop.dispose();
        kinesis.destroy();
      }
    });
}
