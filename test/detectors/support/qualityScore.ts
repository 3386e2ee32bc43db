/**
 * Scores a quality run against the generator's labels: per anomaly kind, caught or not and the
 * delay in windows from the label's start to the end of the first matching alert's window; and
 * the alerts that match no label (false alerts), per simulated day.
 */
import { matchAlertsToLabels } from '../../../detectors/matchLabels.ts';
import type { QualityRun } from './qualityRun.ts';

export interface KindOutcome {
  kind: string;
  key: string;
  start: number;
  /** undefined: missed. */
  delayWindows: number | undefined;
}

export interface QualityScore {
  outcomes: KindOutcome[];
  falseAlerts: number;
  simulatedDays: number;
  /** Alerts (firing or escalated notifications) in total. */
  alerts: number;
}

/**
 * A campaign's traffic drop also drops its shard's volume: a shard-level alert during a
 * campaign label, on the shard that campaign lives on, is that incident seen from the stream,
 * not noise. Each campaign label therefore also matches `shard=<its shard>` keys.
 */
export function scoreQuality(run: QualityRun): QualityScore {
  const raised = run.alerts.filter((a) => (a.status ?? 'firing') === 'firing');
  const shardTwins = run.labels
    .map((label, index) => ({ index, label }))
    .filter(({ label }) => label.key.startsWith('campaign='))
    .map(({ index, label }) => ({ index, label: { ...label, key: `shard=${run.shardOfCampaign(label.key.slice('campaign='.length))}` } }));
  const { matches, unmatched } = matchAlertsToLabels([...run.labels, ...shardTwins.map((t) => t.label)], raised, run.windowMs);
  // One incident raises one notification per series group it moves; count false *incidents*.
  const falseAlerts = new Set(unmatched.map((a) => a.alertId)).size;
  const outcomes = run.labels.map((label, i) => ({ kind: label.kind, key: label.key, start: label.start, delayWindows: matches[i].delayWindows }));
  return { outcomes, falseAlerts, simulatedDays: run.config.durationMs / 86_400_000, alerts: raised.length };
}
