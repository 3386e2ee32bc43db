/**
 * `adstream run`: the worker as a service. It joins the stream's consumer group through the
 * lease table, processes the shards it holds into the lake, raises alerts and checkpoints.
 * SIGINT/SIGTERM make each shard commit its current batch and release its lease, so another
 * worker takes over at once; a restart resumes exactly after the last checkpoint.
 */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { WorkerStats } from '../../consumer/workerStats.ts';
import type { ConsumerEvent, ConsumerEventName } from '../../consumer/leases/leaseCoordinator.ts';
import { ProgressLine } from '../progressLine.ts';
import { StoppedBySignal, stopOnSignals } from '../stopSignals.ts';

/** `streamAlerts`: notifications the stream-window merge sent on the stream's own quality, if this worker merged. */
export const workerSummary = (stats: WorkerStats, stream: { alerts: number; latePartials?: number } = { alerts: 0 }): string =>
  `read ${stats.recordsRead} · committed ${stats.recordsIn} · written ${stats.written} · rejected ${stats.rejected} · duplicates ${stats.duplicates} · late ${stats.late} · files ${stats.filesWritten} · alert notifications ${stats.alerts + stream.alerts}` +
  // Shown once there are any: a stream-wide window short of its shards' sum is explained here (as replay says at its end).
  (stream.latePartials ? ` · shard windows after their stream window ${stream.latePartials}` : '');

/** What a failed secondary step of the worker is, in an operator's words. */
const FAILED_STEP: Partial<Record<ConsumerEventName, string>> = {
  'consumer.renew_failed': 'renewing a lease failed',
  'consumer.read_failed': 'reading a shard failed',
  'consumer.stream_windows_failed': 'the stream-wide windows could not be merged',
  'consumer.state_cleanup_failed': 'old state snapshots could not be removed',
};

/**
 * The worker retries these steps rather than stop, so without --events a lasting cause (a role
 * without dynamodb:GetItem, a state bucket it may not list) went unsaid while their output went
 * missing: each cause is said once, when first seen. `adstream record` says its reads' the same way.
 */
export function failureWarnings(say: (text: string) => void, who = 'the worker'): (event: ConsumerEvent) => void {
  const said = new Set<string>();
  return (event) => {
    const what = FAILED_STEP[event.name];
    const key = `${event.name} ${event.detail ?? ''}`;
    if (!what || said.has(key)) return;
    said.add(key);
    say(`adstream: warning: ${what}${event.shardId ? ` (${event.shardId})` : ''}: ${event.detail ?? 'no detail'}; ${who} goes on and tries again (said once per cause).`);
  };
}

export function runCommand(): Command {
  return new Command('run')
    .description('Run a stream worker: share the shards with other workers through the lease table, consume them into the lake, raise alerts, checkpoint. Configure with environment variables (see "adstream config").')
    .option('--stream <name>', 'stream to read (default: ADSTREAM_STREAM)')
    .option('--lake <location>', 'lake directory or s3://bucket/prefix/ (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--worker-id <id>', 'name in the lease table (default: ADSTREAM_WORKER_ID or <host>-<pid>)')
    .option('--health-port <port>', 'health endpoint port (default: ADSTREAM_HEALTH_PORT or 8080; 0 picks a free port)')
    .option('--until-caught-up', 'stop once every shard has been read to its end (a bounded run, e.g. a backfill); the end of input closes every open window, so their metrics are final, and records for them in a later run count as late')
    .option('--events', 'print consumer events (leases taken, lost, stolen, released; shards started and ended) as JSON lines on stdout (the status line and alerts go to stderr)')
    .action(async (options: { stream?: string; lake?: string; workerId?: string; healthPort?: string; untilCaughtUp?: boolean; events?: boolean }) => {
      const [{ startHealthServer }, { workerFromConfig }, { kinesisClient }, { missingStreamSentence, streamExists }] = await Promise.all([
        import('../../consumer/healthServer.ts'),
        import('../../consumer/workerFromConfig.ts'),
        import('../../aws/clients.ts'),
        import('../../aws/streamAdmin.ts'),
      ]);
      const config = loadConfig({ stream: options.stream, lake: options.lake, workerId: options.workerId, healthPort: options.healthPort });
      const line = new ProgressLine();
      const stop = stopOnSignals(
        (signal) => line.log(`${signal}: stopping; each shard this worker holds commits its current batch and releases its lease (a second signal exits at once) ...`),
        `the batches being read are not committed and this worker's leases expire after failoverTimeMs; the next owner resumes each shard from its last checkpoint.`,
      );
      /**
       * A bounded run (--until-caught-up) stopped by a signal has not read its shards to their end:
       * it exits 128 + the signal, as replay does, so `run --until-caught-up && load-warehouse`
       * stops there. A service's run ends by a signal as it should: exit 0.
       */
      const stoppedEarly = (caughtUp = false): void => {
        const code = stop.exitCode();
        // A signal while a finished run hands its leases back stops nothing that was to be done.
        if (!options.untilCaughtUp || code === undefined || caughtUp) return;
        line.log('not caught up: stopped by a signal before every shard was read to its end; run the same command again to go on from the checkpoints.');
        throw new StoppedBySignal(code);
      };
      const warnOfFailure = failureWarnings((text) => line.log(text));
      try {
        // A mistyped stream name is a usage mistake, said as one before the worker claims a lease table for it.
        const kinesis = kinesisClient(config);
        const exists = await streamExists(kinesis, config.stream, stop.signal)
          .catch((error: unknown) => {
            if (stop.signal.aborted) return undefined;
            throw error;
          })
          .finally(() => kinesis.destroy());
        // Stopped before it began: nothing taken, nothing to commit.
        if (exists === undefined) return stoppedEarly();
        if (!exists) throw new ConfigError(missingStreamSentence(config.stream, 'name the stream to read with --stream (or ADSTREAM_STREAM), or create it (adstream produce --create-stream <shards>).'));
        const { worker, close } = await workerFromConfig(config, {
          signal: stop.signal,
          inputComplete: options.untilCaughtUp ? () => true : undefined,
          onProgress: (stats) => line.update(workerSummary(stats, worker.streamWindowStats)),
          onEvent: (event) => {
            if (options.events) line.log(JSON.stringify(event), process.stdout);
            else if (event.name === 'consumer.own_leases_waiting') line.log(`adstream: ${event.detail}`);
            else warnOfFailure(event);
          },
          printAlert: (text) => line.log(text),
        });
        const health = await startHealthServer(worker, config.healthPort).catch(async (error: NodeJS.ErrnoException) => {
          await close();
          if (error.code !== 'EADDRINUSE') throw error;
          throw new ConfigError(`the health port ${config.healthPort} is in use; choose another with --health-port or ADSTREAM_HEALTH_PORT (0 picks a free one).`);
        });
        line.log(`worker ${worker.workerId} on stream ${config.stream}; health on http://localhost:${health.port}/health/ready`);
        try {
          const stats = await worker.run();
          // Records read after a shard's last commit (a lease lost or released mid-batch) are not lost:
          // its next owner reads on from that checkpoint. Said without a tense, as the next owner may
          // have committed them already (a lease lost) or may not have started yet (a stop).
          const uncommitted = stats.recordsRead - stats.recordsIn;
          const rereadBy = uncommitted > 0 ? ` (the ${uncommitted} read and not committed here are the shards' next owners' to commit, from the last checkpoint)` : '';
          line.done(`stopped: ${workerSummary(stats, worker.streamWindowStats)}${rereadBy}`);
          stoppedEarly(worker.caughtUp);
        } finally {
          await health.close();
          await close();
        }
      } finally {
        stop.dispose();
      }
    });
}
