/**
 * Reading an alert log (LogAlertSink's JSON Lines) back: the digest's input, and the demo's
 * summary, which counts what the digest counts (the stream-wide merge's alerts included).
 */
import { ConfigError } from '../../stream/config/load.ts';
import type { AlertEvent } from '../../detectors/types.ts';

/**
 * The alert log's notifications. LogAlertSink ends every line with a newline, so a last line
 * without one is a write cut short by a crash: it is skipped, not an error.
 */
export function parseAlertLog(text: string, path: string): AlertEvent[] {
  const lines = text.split('\n');
  lines.pop();
  return lines.flatMap((line, index) => {
    if (line.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ConfigError(`line ${index + 1} of the alert log ${path} is not JSON; is it an alert log written by adstream?`);
    }
    const missing = missingAlertField(parsed);
    if (missing) throw new ConfigError(`line ${index + 1} of the alert log ${path} is not an alert (${missing}); is it an alert log written by adstream?`);
    return [parsed as AlertEvent];
  });
}

/** The fields the digest reads from every alert, and their types. */
const ALERT_FIELDS = { alertId: 'string', detector: 'string', key: 'string', severity: 'string', score: 'number', windowStart: 'number' } as const;

/** What keeps a parsed line from being an alert the digest can count, or undefined. */
function missingAlertField(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  for (const [field, type] of Object.entries(ALERT_FIELDS)) {
    const actual = (value as Record<string, unknown>)[field];
    if (typeof actual !== type || (type === 'number' && !Number.isFinite(actual))) return `no ${type} ${field}`;
  }
  return undefined;
}
