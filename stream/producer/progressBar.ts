/**
 * A progress bar with the put rate for long `produce` runs. Drawn only on a terminal: in a log
 * file or a pipe a redrawn bar is noise, and the caller prints a summary line at the end anyway.
 */
import cliProgress from 'cli-progress';
import type { ProduceStats } from './producer.ts';

export interface ProduceProgress {
  update(stats: ProduceStats): void;
  stop(): void;
}

export interface ProduceProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Milliseconds, for the rate; injected so a test controls it. */
  now?: () => number;
}

const WITH_TOTAL = '{bar} {percentage}% | {value}/{total} records | {rate} rec/s | {megabytes} MB | {retried} retried | ETA {eta_formatted}';
// No total (records streamed from files): a bar and a percentage would be guesses.
const WITHOUT_TOTAL = '{value} records | {rate} rec/s | {megabytes} MB | {retried} retried | {duration_formatted}';

const NOTHING: ProduceProgress = { update: () => undefined, stop: () => undefined };

/** `total` is the number of records when known in advance. */
export function produceProgress(total?: number, options: ProduceProgressOptions = {}): ProduceProgress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return NOTHING;
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const payload = (stats: Pick<ProduceStats, 'records' | 'bytes' | 'retriedEntries'>) => ({
    rate: Math.round(stats.records / Math.max(0.001, (now() - startedAt) / 1000)),
    megabytes: (stats.bytes / 1e6).toFixed(1),
    retried: stats.retriedEntries,
  });
  const bar = new cliProgress.SingleBar(
    { stream, format: total === undefined ? WITHOUT_TOTAL : WITH_TOTAL, hideCursor: true, barsize: 30, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, payload({ records: 0, bytes: 0, retriedEntries: 0 }));
  let stopped = false;
  return {
    update(stats) {
      if (!stopped) bar.update(stats.records, payload(stats));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
