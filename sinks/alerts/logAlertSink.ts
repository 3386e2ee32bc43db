/**
 * Writes alerts where a person running the demo sees them: one JSON object per line appended to
 * a file (for tools and tests), and one readable line per alert to a console-like function.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AlertEvent } from '../../detectors/types.ts';
import type { AlertSink } from './alertSink.ts';

export interface LogAlertSinkOptions {
  /** JSON Lines file, created with its folder if missing; alerts are appended. */
  path: string;
  /** Receives one line per alert, e.g. `console.log` or `(l) => process.stderr.write(l + '\n')`. */
  print?: (line: string) => void;
}

/** `ALERT <id> <summary>` while firing, `RESOLVED <id> <summary>` when it ends. */
export const alertLogLine = (alert: AlertEvent): string =>
  `${alert.status === 'resolved' ? 'RESOLVED' : 'ALERT'} ${alert.alertId} ${alert.summary}` +
  (alert.related?.length ? ` (+${alert.related.length} related: ${alert.related.map((r) => `${r.detector} ${r.key}`).join(', ')})` : '');

export class LogAlertSink implements AlertSink {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly options: LogAlertSinkOptions) {}

  async send(alert: AlertEvent): Promise<void> {
    this.ready ??= mkdir(dirname(this.options.path), { recursive: true });
    await this.ready;
    await appendFile(this.options.path, `${JSON.stringify(alert)}\n`, 'utf8');
    this.options.print?.(alertLogLine(alert));
  }
}
