/**
 * `adstream run`: the worker as a service. It reads every shard of the stream, writes the lake
 * and alerts, and checkpoints; SIGINT/SIGTERM make each shard finish and commit its current
 * batch before the process exits, so a restart resumes exactly after the last checkpoint.
 */
import { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { workerFromConfig } from '../../consumer/workerFromConfig.ts';
import type { WorkerStats } from '../../consumer/workerStats.ts';
import { ProgressLine } from '../progressLine.ts';

export const workerSummary = (stats: WorkerStats): string =>
  `in ${stats.recordsIn} · written ${stats.written} · rejected ${stats.rejected} · duplicates ${stats.duplicates} · late ${stats.late} · files ${stats.filesWritten} · alerts ${stats.alerts.length}`;

export function runCommand(): Command {
  return new Command('run')
    .description('Run the stream worker: consume every shard into the lake, raise alerts, checkpoint in DynamoDB. Configure with environment variables (see "adstream config").')
    .option('--stream <name>', 'stream to read (default: ADSTREAM_STREAM)')
    .option('--lake <location>', 'lake directory or s3://bucket/prefix/ (default: ADSTREAM_LAKE)')
    .option('--until-caught-up', 'stop once every shard has been read to its end (a bounded run, e.g. a backfill)')
    .action(async (options: { stream?: string; lake?: string; untilCaughtUp?: boolean }) => {
      const config = loadConfig({ stream: options.stream, lake: options.lake });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const line = new ProgressLine();
      const { worker, close } = await workerFromConfig(config, {
        signal: stop.signal,
        inputComplete: options.untilCaughtUp ? () => true : undefined,
        onProgress: (stats) => line.update(workerSummary(stats)),
        printAlert: (text) => line.log(text),
      });
      try {
        const stats = await worker.run();
        line.done(`stopped: ${workerSummary(stats)}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await close();
      }
    });
}
