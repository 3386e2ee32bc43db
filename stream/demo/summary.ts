/** The report `npm start` prints at the end: counters, alerts against labels, analyst queries. */
import { flattenAlerts } from '../../sinks/alerts/dailyDigest.ts';
import { formatTable } from '../cli/table.ts';
import type { DemoProgress, DemoResult, DemoStopped } from './runDemo.ts';
import type { MissedEvidence } from './missedEvidence.ts';
import { FIRE_ALPHA, RATE_LOOKBACK_MS } from '../../detectors/anomalyEvidence.ts';
import { formatProbability } from '../../detectors/alertLifecycle.ts';

const n = (value: number) => value.toLocaleString('en-US');
const clock = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 16);

export function progressText({ total, produced, stats, streamAlerts }: DemoProgress, elapsedMs: number): string {
  const rate = stats.recordsRead / Math.max(0.001, elapsedMs / 1000);
  const lag = Math.max(0, produced - stats.recordsRead);
  return `produced ${n(produced)}/${n(total)} · processed ${n(stats.recordsRead)} (${n(Math.round(rate))} rec/s) · committed ${n(stats.recordsIn)} · lag ${n(lag)} records · files ${n(stats.filesWritten)} · notifications ${stats.alerts + streamAlerts}`;
}

/** In place of the summary, for a run a signal stopped: what it did, and what the data directory holds. */
export const stoppedText = ({ produced, total, stats, dataDir }: DemoStopped): string =>
  `stopped by a signal after putting ${n(produced)} of ${n(total)} records (the worker committed ${n(stats.recordsIn)}): ${dataDir} holds a partial run, labels.json and the lake files and alerts committed so far; run the demo again to replace it with a whole one.`;

export function demoSummary(result: DemoResult, elapsedMs: number): string {
  const { stats, truth } = result;
  const accounted = stats.written + stats.rejected + stats.duplicates;
  const lines: string[] = [];
  lines.push('', `adstream demo — ${n(result.produced)} records produced onto ${result.config.stream}, processed in ${(elapsedMs / 1000).toFixed(1)} s`, '');
  lines.push('Records                  pipeline   generator truth');
  lines.push(`  in                   ${n(stats.recordsIn).padStart(10)}   ${n(truth.records).padStart(10)}`);
  lines.push(`  written to the lake  ${n(stats.written).padStart(10)}   ${n(truth.valid).padStart(10)} distinct valid`);
  lines.push(`  rejected (DLQ)       ${n(stats.rejected).padStart(10)}   ${n(truth.malformed).padStart(10)} malformed`);
  for (const [reason, count] of Object.entries(stats.rejectedByReason).sort()) {
    lines.push(`    ${reason.padEnd(28)} ${n(count).padStart(6)}   ${n(truth.malformedByReason[reason] ?? 0).padStart(10)}`);
  }
  lines.push(`  duplicates           ${n(stats.duplicates).padStart(10)}   ${n(truth.duplicates).padStart(10)}`);
  lines.push(`  late (written, past their window) ${n(stats.late)}`);
  lines.push(
    accounted === stats.recordsIn
      ? `  ✓ written + rejected + duplicates = in (${n(accounted)})`
      : `  ✗ written + rejected + duplicates = ${n(accounted)} ≠ in ${n(stats.recordsIn)}`,
  );
  // The lineage table's own files (one per commit) record these; they are not counted among them.
  lines.push('', `Files: ${n(stats.filesWritten)} Parquet files of events, rejected records and metrics (each listed in the lineage table), ${(stats.bytesWritten / 1e6).toFixed(1)} MB; ${n(stats.metricEvents)} metric events`);
  // A notification is one firing, escalation, re-notification or resolution, and may carry the
  // alerts grouped with it: the distinct alert ids are what `adstream digest` counts too.
  const distinct = new Set(flattenAlerts(result.alerts).map((alert) => alert.alertId)).size;
  lines.push('', `Alerts: ${n(distinct)} alerts in ${n(result.alerts.length)} notifications; injected anomalies and the alerts that caught them`);
  if (result.notPaged > 0) lines.push(`  (${n(result.notPaged)} more campaign alerts were logged, not paged: their shard's other campaigns moved alike)`);
  for (const { label, alerts, delayWindows } of result.matches) {
    const what = `${label.kind} ${label.key} ${clock(label.start)}–${clock(label.end)}`.padEnd(48);
    const caught = alerts.length
      ? `caught after ${delayWindows} window(s) by ${[...new Set(alerts.map((a) => a.detector))].join(', ')}`
      : 'not caught';
    lines.push(`  ${what} ${caught}`);
    const evidence = result.missed.get(label);
    if (evidence) lines.push(`    ${missedText(evidence)}`);
  }
  lines.push(`  alerts matching no injected anomaly: ${result.unmatchedAlerts}`);
  lines.push('', 'Lake, by event type (adstream query):', indent(formatTable(result.lakeCounts)));
  lines.push('', 'CTR and spend per campaign (top 10 by spend):', indent(formatTable(result.ctrAndSpend)));
  lines.push('', 'Funnel: impressions → clicks → conversions:', indent(formatTable(result.funnel)));
  lines.push('', `Output is under ${result.dataDir}`);
  lines.push(`  query it:  npx adstream query --lake ${result.config.lake} "SELECT count(*) FROM impressions"`);
  lines.push(`  alerts:    ${result.config.alertLog}   labels: ${result.dataDir}/labels.json`, '');
  return lines.join('\n');
}

/**
 * What the lake holds of a missed incident: at the campaign's rate of the hour before, what was
 * expected over the incident and seen, and whether any test could have paged on it.
 */
function missedText({ what, p, detectable, rateOverMs }: MissedEvidence): string {
  const verdict = detectable
    ? `enough to page on (p < ${formatProbability(FIRE_ALPHA)}): a miss of the detectors`
    : `too little for any test to page on without false alerts (that needs p < ${formatProbability(FIRE_ALPHA)})`;
  const before = rateOverMs >= RATE_LOOKBACK_MS ? 'the hour' : `the ${Math.round(rateOverMs / 60_000)} minutes`;
  return `in the lake, expected at the campaign's rate of ${before} before → seen over the incident: ${what} (p ${formatProbability(p)}); ${verdict}`;
}

const indent = (text: string) => text.split('\n').map((line) => `  ${line}`).join('\n');
