/**
 * Where alerts go once their batch is committed. `send` resolves when the alert is delivered (or
 * durably written); the pipeline sends alerts in order and only after the batch's effects are
 * committed, so a replay may send the same alert again: receivers dedupe on `alertId`, which is
 * deterministic.
 */
import { isPaged, type AlertEvent } from '../../detectors/types.ts';

export interface AlertSink {
  send(alert: AlertEvent): Promise<void>;
  /**
   * Keeps an alert that is not paged (`inhibited`: a campaign's alert its peers explain) where an
   * operator can look it up. The log implements it; a notifier does not, and never sees one.
   */
  record?(alert: AlertEvent): Promise<void>;
  close?(): Promise<void>;
}

/** Sends each alert to every sink in turn (e.g. the log and SNS). */
export function fanOutAlertSink(sinks: readonly AlertSink[]): AlertSink {
  return {
    async send(alert) {
      for (const sink of sinks) await sink.send(alert);
    },
    async record(alert) {
      for (const sink of sinks) await sink.record?.(alert);
    },
    async close() {
      for (const sink of sinks) await sink.close?.();
    },
  };
}

/** Sends a page, or records an alert that is not one (`inhibited`); true when it was a page. */
export async function deliver(sink: AlertSink, alert: AlertEvent): Promise<boolean> {
  if (isPaged(alert)) {
    await sink.send(alert);
    return true;
  }
  await sink.record?.(alert);
  return false;
}
