/**
 * Writes alerts where a person running the demo sees them: one JSON object per line appended to
 * a file (for tools and tests), and one readable line per alert to a console-like function.
 *
 * A line already in the file is not written again. Delivery is at least once: a batch redone
 * after a crash (its alerts sent, its checkpoint not moved) sends the same alerts again, and an
 * SNS subscriber can drop them by alert id; the log drops them itself, so a killed and restarted
 * run leaves the same log as one never interrupted. The file is read as it grows, so lines other
 * processes append (a worker that took over a shard) count too.
 */
import { createHash } from 'node:crypto';
import { appendFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { relatedAlerts, stepOf } from '../../detectors/alertGrouping.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import type { AlertSink } from './alertSink.ts';
import { makeDirectory } from '../makeDirectory.ts';
import { SerialQueue } from '../../stream/async/serialQueue.ts';

export interface LogAlertSinkOptions {
  /** JSON Lines file, created with its folder if missing; alerts are appended. */
  path: string;
  /** Receives one line per alert, e.g. `console.log` or `(l) => process.stderr.write(l + '\n')`. */
  print?: (line: string) => void;
}

/** `ALERT <id> <summary>` while firing, `RESOLVED <id> <summary>` when it ends, then the group's other alerts. */
export const alertLogLine = (alert: AlertEvent): string => {
  const related = relatedNotes(alert);
  return `${alert.status === 'resolved' ? 'RESOLVED' : 'ALERT'} ${alert.alertId} ${alert.summary}` + (related.length ? ` (+${related.length} related: ${related.join(', ')})` : '');
};

const STEP_WORDS = { firing: 'firing', escalated: 'escalated to critical', renotified: 'still firing', resolved: 'resolved' } as const;

/**
 * Each related alert once, with its steps when they are news: an escalation, or a status other
 * than the notification's (a shard's resolution carried in the stream-wide alert's escalation,
 * stream/pipeline/streamNotifications.ts), or several steps carried at once.
 */
function relatedNotes(alert: AlertEvent): string[] {
  const status = alert.status ?? 'firing';
  return relatedAlerts(alert).map((steps) => {
    const news = steps.length > 1 || stepOf(steps[0]) !== status;
    return `${steps[0].detector} ${steps[0].key}${news ? ` ${steps.map((step) => STEP_WORDS[stepOf(step)]).join(' → ')}` : ''}`;
  });
}

/** A line's digest: what is kept per line logged, rather than the line. */
const digestOf = (line: string): string => createHash('sha256').update(line).digest('base64');

/** How much of the file one read takes: start-up reads a long log piece by piece, not whole. */
const READ_CHUNK_BYTES = 1024 * 1024;

export class LogAlertSink implements AlertSink {
  private ready: Promise<unknown> | undefined;
  private readonly logged = new Set<string>();
  /** How far the file has been read into `logged`, and the bytes of a line cut short there. */
  private readUpTo = 0;
  private partial = Buffer.alloc(0);
  /**
   * Sends and catch-ups run one at a time: shards send alerts concurrently, and two looks at the
   * file from the same offset both counted what they read, so the offset passed the end of the
   * file and lines other processes appended later were never read (and logged twice here).
   */
  private readonly oneAtATime = new SerialQueue();

  constructor(private readonly options: LogAlertSinkOptions) {}

  /**
   * Makes the log's folder and the log, and reads what it holds: a path that cannot be a log
   * (under a file, a directory) fails here, when a worker starts, not at its first alert hours
   * later. The log exists from then on, empty until an alert: a quiet run left none, and
   * `adstream digest` of its day refused the missing file instead of reporting no alerts.
   */
  prepare(): Promise<void> {
    return this.oneAtATime.run(async () => {
      await this.makeFolder();
      await appendFile(this.options.path, '', 'utf8');
      await this.catchUp();
    });
  }

  send(alert: AlertEvent): Promise<void> {
    return this.append(alert, true);
  }

  /**
   * An alert not paged (`inhibited`) is logged, not printed: the console echoes the pages, and
   * an inhibited alert's incident is on it already, in its peers' alerts or the stream's.
   */
  record(alert: AlertEvent): Promise<void> {
    return this.append(alert, false);
  }

  private append(alert: AlertEvent, print: boolean): Promise<void> {
    return this.oneAtATime.run(async () => {
      await this.makeFolder();
      const line = JSON.stringify(alert);
      await this.catchUp();
      const digest = digestOf(line);
      if (this.logged.has(digest)) return;
      await appendFile(this.options.path, `${line}\n`, 'utf8');
      this.logged.add(digest);
      if (print) this.options.print?.(alertLogLine(alert));
    });
  }

  private async makeFolder(): Promise<void> {
    this.ready ??= makeDirectory(dirname(this.options.path));
    await this.ready;
  }


  /** Reads what the file gained since the last look (a file that is not there yet has no lines). */
  private async catchUp(): Promise<void> {
    const file = await open(this.options.path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!file) return;
    try {
      const { size } = await file.stat();
      const chunk = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(0, size - this.readUpTo)));
      while (this.readUpTo < size) {
        const start = this.readUpTo;
        const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, size - start), start);
        if (bytesRead === 0) break;
        this.readUpTo = start + bytesRead;
        this.addLines(chunk.subarray(0, bytesRead));
      }
    } finally {
      await file.close();
    }
  }

  /** Counts the complete lines in `partial` + `bytes`, and keeps the rest for the next read. */
  private addLines(bytes: Buffer): void {
    const joined = Buffer.concat([this.partial, bytes]);
    const end = joined.lastIndexOf(0x0a) + 1;
    for (const text of joined.subarray(0, end).toString('utf8').split('\n')) if (text) this.logged.add(digestOf(text));
    this.partial = Buffer.from(joined.subarray(end));
  }
}
