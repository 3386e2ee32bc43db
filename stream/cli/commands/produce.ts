/** `adstream produce`: put generated traffic or event files onto the Kinesis stream. */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { ProducerRecord } from '../../producer/index.ts';
import { generatorOverrides, withGeneratorOptions, type GeneratorFlags } from '../generatorOptions.ts';
import { StoppedBySignal, stopOnSignals } from '../stopSignals.ts';
import { positiveInteger } from '../wholeNumberOption.ts';

async function* fromFiles(paths: string[]): AsyncIterable<ProducerRecord> {
  const { recordsOfFiles } = await import('../../producer/fileRecords.ts');
  yield* recordsOfFiles(paths);
}

export function produceCommand(): Command {
  return withGeneratorOptions(new Command('produce'))
    .description('Put records onto the Kinesis stream: from event files (.jsonl, .csv, .avro) or straight from the generator.')
    .argument('[files...]', 'event files: impressions .jsonl, clicks/conversions .csv, bid requests .avro; several are interleaved by event time')
    .option('--generate', 'produce generated traffic instead of files (see --hours, --rate, --seed), with the generator\'s injected anomalies (traffic drop, click flood, duplicate storm, ...), listed when it is done')
    .option('--stream <name>', 'stream to put records on (default: ADSTREAM_STREAM)')
    .option('--create-stream <shards>', 'create the stream with this many shards if it does not exist', positiveInteger)
    .action(async (files: string[], options: GeneratorFlags & { generate?: boolean; stream?: string; createStream?: number }, command: Command) => {
      if (Boolean(options.generate) === files.length > 0) throw new ConfigError('give either event files or --generate, not both and not neither.');
      // With files they shaped nothing and were dropped without a word: the user believed an hour was put.
      const generatorOnly = ['hours', 'rate', 'seed'].filter((name) => command.getOptionValueSource(name) === 'cli');
      if (!options.generate && generatorOnly.length > 0) {
        throw new ConfigError(`${generatorOnly.map((name) => `--${name}`).join(', ')} shape${generatorOnly.length === 1 ? 's' : ''} the traffic of --generate; event files are put as they are: leave ${generatorOnly.length === 1 ? 'it' : 'them'} out, or give --generate instead of files.`);
      }
      const [{ kinesisClient }, { ensureStream, missingStreamSentence, streamExists }, { eventFileProblem }, { generateTraffic }, { Producer, produceProgress, producerRecordOf }] = await Promise.all([
        import('../../aws/clients.ts'),
        import('../../aws/streamAdmin.ts'),
        import('../../events/files.ts'),
        import('../../generator/index.ts'),
        import('../../producer/index.ts'),
      ]);
      const { oversizedRecordProblem } = await import('../../producer/fileRecords.ts');
      for (const file of files) {
        const problem = (await eventFileProblem(file)) ?? (await oversizedRecordProblem(file));
        if (problem) throw new ConfigError(problem);
      }
      const config = loadConfig({ stream: options.stream });
      const stop = stopOnSignals(
        (signal) => console.error(`${process.stderr.isTTY ? '\n' : ''}${signal}: stopping; putting no more records and waiting for those already sent (a second signal exits at once) ...`),
        'the PutRecords calls in flight may or may not have stored their records; running the same command again puts every record again.',
      );
      const kinesis = kinesisClient(config);
      try {
        if (options.createStream) {
          const { created, openShards } = await ensureStream(kinesis, config.stream, options.createStream);
          if (!created && openShards !== undefined && openShards !== options.createStream) {
            console.error(`adstream: the stream ${config.stream} already exists with ${openShards} open shard${openShards === 1 ? '' : 's'}; --create-stream ${options.createStream} left it as it is.`);
          }
        }
        else if (!(await streamExists(kinesis, config.stream))) {
          throw new ConfigError(missingStreamSentence(config.stream, 'create it with --create-stream <shards>, or name another with --stream (or ADSTREAM_STREAM).'));
        }
        const traffic = options.generate ? generateTraffic(generatorOverrides(options)) : undefined;
        const records: Iterable<ProducerRecord> | AsyncIterable<ProducerRecord> = traffic
          ? [...traffic.records].map(producerRecordOf)
          : fromFiles(files);
        const total = Array.isArray(records) ? records.length : undefined;
        const progress = produceProgress(total);
        const producer = new Producer(kinesis, { streamName: config.stream, maxOutOfOrdernessMs: config.maxOutOfOrdernessMs, onProgress: (stats) => progress.update(stats) });
        const started = performance.now();
        try {
          await producer.putAll(records, stop.signal);
        } finally {
          progress.stop();
        }
        const stats = producer.stats();
        const code = stop.exitCode();
        if (code !== undefined) {
          console.error(stoppedSentence(stats.records, total, config.stream, config.dedupeHorizonMs));
          throw new StoppedBySignal(code);
        }
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `put ${stats.records} records (${(stats.bytes / 1e6).toFixed(1)} MB) on ${config.stream} in ${stats.batches} PutRecords calls, ` +
            `${Math.round(stats.records / Math.max(seconds, 0.001))} records/s; ${stats.retriedEntries} entries retried`,
        );
        // Injected on purpose: an operator watching the alerts must be able to tell them from real trouble.
        if (traffic && traffic.labels.length > 0) {
          console.log(`injected anomalies (event time, UTC): ${traffic.labels.map((l) => `${l.kind} ${l.key === '*' ? 'all traffic' : l.key} ${new Date(l.start).toISOString().slice(11, 16)}–${new Date(l.end).toISOString().slice(11, 16)}`).join('; ')}`);
        }
      } finally {
        stop.dispose();
        kinesis.destroy();
      }
    });
}

/**
 * What a produce a signal stopped leaves: the stream holds the first `put` records, and the same
 * command puts them all again. The workers' dedupe (by event id, per shard) drops a repeat only
 * while its first copy is within the dedupe horizon of the newest event time seen, so a run
 * longer than the horizon stores its oldest repeats twice.
 */
export const stoppedSentence = (put: number, total: number | undefined, stream: string, horizonMs: number): string =>
  `adstream: stopped by a signal after putting ${put}${total === undefined ? '' : ` of ${total}`} records on ${stream}; running the same command again puts every record again, ` +
  `and a worker counts a repeat as a duplicate (same event id) only within dedupeHorizonMs (${horizonMs} ms of event time) of the newest event on its shard, so older repeats are stored twice.`;
