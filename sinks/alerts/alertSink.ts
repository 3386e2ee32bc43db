/**
 * Where alerts go once their batch is committed. `send` resolves when the alert is delivered (or
 * durably written); the pipeline sends alerts in order and only after the batch's effects are
 * committed, so a replay may send the same alert again: receivers dedupe on `alertId`, which is
 * deterministic.
 */
import type { AlertEvent } from '../../detectors/types.ts';

export interface AlertSink {
  send(alert: AlertEvent): Promise<void>;
  close?(): Promise<void>;
}

/** Sends each alert to every sink in turn (e.g. the log and SNS). */
export function fanOutAlertSink(sinks: readonly AlertSink[]): AlertSink {
  return {
    async send(alert) {
      for (const sink of sinks) await sink.send(alert);
    },
    async close() {
      for (const sink of sinks) await sink.close?.();
    },
  };
}
