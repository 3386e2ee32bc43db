/**
 * The daily digest in three forms: a Markdown report (the file an operator keeps or links), an
 * SNS subject within SNS's limits, and a plain-text body for a terminal, e-mail and chat; the SNS
 * message ends with the digest as JSON for programs, like the alert messages do.
 */
import { snsSubject } from './snsSubject.ts';
import { SEVERITIES, type DailyDigest } from './dailyDigest.ts';

/** What "not paged" counts, said where the count is. */
const NOT_PAGED = "campaigns that moved with their shard's other campaigns; in the alert log, marked inhibited";

const score = (n: number): string => n.toFixed(3);
/** A `|` inside a cell would end it. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

function markdownTable(header: string[], rows: string[][], alignRight: number): string[] {
  const align = header.map((_, i) => (i >= alignRight ? '---:' : '---'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`);
}

export function digestMarkdown(d: DailyDigest): string {
  const lines = [
    `# adstream daily digest: ${d.day} (UTC)`,
    '',
    `- alerts raised: **${d.raised}** (${SEVERITIES.map((s) => `${s} ${d.raisedBySeverity[s]}`).join(', ')})`,
    `- alerts resolved: **${d.resolved}**`,
    `- alerts not paged: **${d.notPaged}** (${NOT_PAGED})`,
    `- rejected records: **${d.rejected}**`,
    '',
    '## Alerts raised by detector and severity',
    '',
  ];
  if (d.byDetector.length === 0) lines.push('No alerts were raised.');
  else {
    const rows = d.byDetector.map((r) => [cell(r.detector), ...SEVERITIES.map((s) => String(r.bySeverity[s])), String(r.total)]);
    rows.push(['**total**', ...SEVERITIES.map((s) => `**${d.raisedBySeverity[s]}**`), `**${d.raised}**`]);
    lines.push(...markdownTable(['detector', ...SEVERITIES, 'total'], rows, 1));
  }
  lines.push('', '## Top rejection reasons', '', 'Rejected records by the day they arrived (the DLQ, view `rejected`).', '');
  if (d.topRejections.length === 0) lines.push(d.rejectedOnOtherDays?.length ? `Note: ${otherDaysNote(d.day, d.rejectedOnOtherDays)}.` : 'No records were rejected.');
  else lines.push(...markdownTable(['reason', 'records'], d.topRejections.map((r) => [`\`${cell(r.reason)}\``, String(r.records)]), 1));
  lines.push('', '## Top campaigns by anomaly', '', 'Campaigns with the most alerts raised; ties go to the highest anomaly score.', '');
  if (d.topCampaigns.length === 0) lines.push('No alerts were about a campaign.');
  else lines.push(...markdownTable(['campaign', 'alerts', 'max score'], d.topCampaigns.map((c) => [cell(c.campaign), String(c.alerts), score(c.maxScore)]), 1));
  return `${lines.join('\n')}\n`;
}

/** What the DLQ holds on other days than a digest's, said where the digest would say it is clean. */
export function otherDaysNote(day: string, days: readonly { day: string; records: number }[]): string {
  return `no record arrived in the DLQ on ${day}, but it holds ${days.map((d) => `${d.records} on ${d.day}`).join(', ')} (rejections are dated by arrival, alerts by event time; see --day)`;
}

export function digestSubject(d: DailyDigest): string {
  return snsSubject(`[digest] adstream ${d.day}: ${d.raised} alerts (${d.raisedBySeverity.critical} critical), ${d.resolved} resolved, ${d.rejected} rejected`);
}

const padded = (rows: string[][]): string[] => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
};

export function digestText(d: DailyDigest): string {
  const lines = [
    `adstream daily digest for ${d.day} (UTC)`,
    '',
    `alerts raised:    ${d.raised} (${SEVERITIES.map((s) => `${s} ${d.raisedBySeverity[s]}`).join(', ')})`,
    `alerts resolved:  ${d.resolved}`,
    `alerts not paged: ${d.notPaged} (${NOT_PAGED})`,
    `rejected records: ${d.rejected}`,
  ];
  if (d.byDetector.length) {
    lines.push('', 'alerts by detector:', ...padded([['detector', ...SEVERITIES, 'total'], ...d.byDetector.map((r) => [r.detector, ...SEVERITIES.map((s) => String(r.bySeverity[s])), String(r.total)])]).map((l) => `  ${l}`));
  }
  if (d.topRejections.length) {
    lines.push('', 'top rejection reasons:', ...padded([['reason', 'records'], ...d.topRejections.map((r) => [r.reason, String(r.records)])]).map((l) => `  ${l}`));
  }
  if (d.topCampaigns.length) {
    lines.push('', 'top campaigns by anomaly:', ...padded([['campaign', 'alerts', 'max score'], ...d.topCampaigns.map((c) => [c.campaign, String(c.alerts), score(c.maxScore)])]).map((l) => `  ${l}`));
  }
  // Alerts are dated by event time and the DLQ by arrival: a replay, a backfill or the demo's
  // generated day puts them on different days, and this day's DLQ then looks clean. Said here, in
  // the terminal's text and the SNS message alike (the message left it out).
  if (d.rejectedOnOtherDays?.length) lines.push('', `note: ${otherDaysNote(d.day, d.rejectedOnOtherDays)}`);
  return lines.join('\n');
}

/** The SNS message: the text, then the digest as JSON on its last line for programs. */
export const digestMessage = (d: DailyDigest): string => `${digestText(d)}\n\n${JSON.stringify(d)}`;
