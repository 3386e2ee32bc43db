/**
 * Publishes each alert to an SNS topic. The request builder is pure (alert in, PublishCommand
 * input out) and tested without a network; the sink is a thin wrapper around an injected
 * SNSClient, so endpoint, region and credentials are the caller's choice (LocalStack, a test
 * double, or AWS). The client stays the caller's: this sink never destroys it.
 *
 * MessageAttributes carry severity, detector, campaign and status (firing | resolved) so
 * subscriptions can filter (e.g. a pager subscription with `{"severity": ["critical"], "status":
 * ["firing"]}`); SNS drops messages without an attribute a filter policy names, so `campaign` is
 * always present (`-` when the alert is not about one campaign). A grouped notification (several
 * alerts of one campaign or cause in one window) is one message whose body lists every alert, so
 * `detector`, `campaign` and `notification` are String.Array attributes naming every alert's: a filter policy
 * matches an array when any element matches, so a subscriber filtering on `late_rate` hears of a
 * late_rate alert that came second in a group, not only of its resolution. `severity` is the
 * group's strongest (the lead alert's).
 */
import { createHash } from 'node:crypto';
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { relatedAlerts } from '../../detectors/alertGrouping.ts';
import { formatValue } from '../../detectors/alertLifecycle.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import type { AlertSink } from './alertSink.ts';
import { snsSubject } from './snsSubject.ts';

/** `[severity] detector key (+N)`: the key is what gives way to the limit, never the group's count. */
export function alertSubject(alert: AlertEvent): string {
  const state = alert.status === 'resolved' ? 'RESOLVED' : alert.severity;
  // Other alerts, as the summary counts them: not each step a carried alert took.
  const others = relatedAlerts(alert).length;
  const more = others > 0 ? ` (+${others})` : '';
  return snsSubject(`[${state}] ${alert.detector} ${alert.key}`, more);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Plain text for e-mail and chat subscribers: the summary first, then the facts (what, where,
 * observed vs expected, since when), the other alerts of the group, the query to investigate,
 * then the JSON for programs.
 */
export function alertMessage(alert: AlertEvent, lake?: string, omittedNote?: string): string {
  const lines = [
    alert.summary,
    '',
    `alert:    ${alert.alertId}`,
    `status:   ${alert.status ?? 'firing'}`,
    `severity: ${alert.severity}`,
    `detector: ${alert.detector}`,
    `key:      ${alert.key}`,
    // In their unit and rounded, as the summary writes them; the JSON below has them whole.
    `metric:   ${alert.metric} observed ${formatValue(alert.observed, alert.unit)}, expected ${formatValue(alert.expected, alert.unit)}`,
    // A bare "score 0.776" meant nothing to the operators who read it (an on-call review).
    `score:    ${alert.score.toFixed(3)} (0 normal, 0.5 at the alert threshold, 0.99 and up critical)`,
  ];
  if (alert.since !== undefined) lines.push(`since:    ${iso(alert.since)}`);
  lines.push(`window:   ${iso(alert.windowStart)} – ${iso(alert.windowEnd)}`);
  if (alert.related?.length) {
    // Each alert once, its steps under it in the order they happened.
    const listed = relatedAlerts(alert).flatMap((steps) => steps.map((step, i) => `${i === 0 ? '-' : ' '} ${step.summary}`));
    lines.push('', `also in this ${alert.group ?? 'group'}:`, ...listed);
  }
  if (omittedNote) lines.push(`  ... ${omittedNote}`);
  if (alert.query) lines.push('', 'investigate:', `  ${investigateCommand(alert.query, lake)}`);
  lines.push('', JSON.stringify(alert));
  return lines.join('\n');
}

/**
 * The query as a command that runs where it is read: `adstream query` over a local lake, Athena
 * (the same SQL) over one in S3. Printed without `--lake` it ran against ./data/lake, which is
 * rarely the lake.
 */
function investigateCommand(query: string, lake: string | undefined): string {
  if (lake?.startsWith('s3://')) return `in Athena (the lake ${lake}): ${query}`;
  // Quoted only where a shell would split it, so the usual path reads as typed.
  const path = lake && /^[\w./-]+$/.test(lake) ? lake : JSON.stringify(lake);
  return `adstream query${lake ? ` --lake ${path}` : ''} "${query}"`;
}

/**
 * What a FIFO topic requires of each message (nothing for a standard topic): a message group (the
 * messages of one group arrive in order) and a deduplication id (SNS drops a second message with
 * the same id for five minutes). `group` and `content` are hashed: both ids allow 128 printable
 * ASCII characters, and keys and alerts may hold any text.
 */
export function fifoFields(topicArn: string, group: string, content: string): Pick<PublishCommandInput, 'MessageGroupId' | 'MessageDeduplicationId'> {
  if (!topicArn.endsWith('.fifo')) return {};
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  return { MessageGroupId: sha256(group), MessageDeduplicationId: sha256(content) };
}

/** SNS's limit on a message with its attributes (names, data types and values), in UTF-8 bytes. */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

const utf8Bytes = (text: string): number => Buffer.byteLength(text);

/**
 * The message of `alert` in at most `maxBytes`: whole when it fits, else with as many of the
 * group's other alerts as fit (strongest first, as `related` lists them) and a line saying how
 * many were left out. A stream-wide incident carries every shard's alerts, about 1.1 KB each: on
 * a stream of some 80 shards the page passed SNS's limit, SNS refused it, and the worker stopped
 * at that batch at every restart, so the incident was never paged and the stream not read.
 */
export function fittedMessage(alert: AlertEvent, lake: string | undefined, maxBytes: number): string {
  const whole = alertMessage(alert, lake);
  const related = alert.related ?? [];
  if (utf8Bytes(whole) <= maxBytes || related.length === 0) return whole;
  // The list and the JSON below it carry the alerts kept; the subject and attributes still name all.
  const cut = (kept: number): string => {
    const shown = related.slice(0, kept);
    const ids = new Set(shown.map((r) => r.alertId));
    const alerts = new Set(related.slice(kept).map((r) => r.alertId).filter((id) => !ids.has(id))).size;
    const left = alerts > 0 ? `${alerts} more ${alerts === 1 ? 'alert' : 'alerts'}` : `${related.length - kept} more steps of the alerts above`;
    return alertMessage({ ...alert, related: shown.length > 0 ? shown : undefined }, lake, `and ${left}, left out to fit SNS's limit of 256 KB: the alert log has them all`);
  };
  // The most related alerts whose message fits (fewer always make it shorter; none always fits).
  let fits = 0;
  let over = related.length;
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (utf8Bytes(cut(mid)) <= maxBytes) fits = mid;
    else over = mid;
  }
  return cut(fits);
}

export function buildPublishInput(topicArn: string, alert: AlertEvent, lake?: string): PublishCommandInput {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  const members = [alert, ...(alert.related ?? [])];
  const everyOnes = (value: (member: AlertEvent) => string) => ({ DataType: 'String.Array', StringValue: JSON.stringify([...new Set(members.map(value))]) });
  const messageAttributes = {
    severity: attribute(alert.severity),
    detector: everyOnes((member) => member.detector),
    campaign: everyOnes((member) => member.dimensions.campaign ?? '-'),
    status: attribute(alert.status ?? 'firing'),
    // A first page, an escalation and a reminder are all status firing: this tells them apart,
    // for every alert of a group (an escalation grouped under another alert's first page would
    // otherwise never match a filter on escalated).
    notification: everyOnes((member) => member.notification ?? member.status ?? 'firing'),
    // The stream-wide merge's alerts, or one shard's detector's, for every alert of a group: the
    // merge sends a stream-wide alert with the shards' of its window (streamNotifications.ts).
    scope: everyOnes((member) => (member.dimensions.scope === 'stream' ? 'stream' : 'shard')),
    // The alert this notification is about; a batch redone after a crash sends the same
    // notification again (same alertId, notification and window), at least once.
    alertId: attribute(alert.alertId),
  };
  const attributeBytes = Object.entries(messageAttributes).reduce((sum, [name, value]) => sum + utf8Bytes(name) + utf8Bytes(value.DataType) + utf8Bytes(value.StringValue), 0);
  return {
    TopicArn: topicArn,
    Subject: alertSubject(alert),
    Message: fittedMessage(alert, lake, SNS_MESSAGE_MAX_BYTES - attributeBytes),
    MessageAttributes: messageAttributes,
    // Grouped as notifications are (a campaign, the stream), in order within; deduplicated by the
    // whole notification, which a redone batch sends again byte for byte, while two shards' alerts
    // of one campaign and window differ in their numbers.
    ...fifoFields(topicArn, alert.group ?? alert.key, JSON.stringify(alert)),
  };
}

export class SnsAlertSink implements AlertSink {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    /** The lake the alerts' queries read (adstream query --lake, or Athena for s3://). */
    private readonly lake?: string,
  ) {}

  async send(alert: AlertEvent): Promise<void> {
    await this.client.send(new PublishCommand(buildPublishInput(this.topicArn, alert, this.lake)));
  }
}
