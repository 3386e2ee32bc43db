/**
 * Publishes each alert to an SNS topic. The request builder is pure (alert in, PublishCommand
 * input out) and tested without a network; the sink is a thin wrapper around an injected
 * SNSClient, so endpoint, region and credentials are the caller's choice (LocalStack, a test
 * double, or AWS). The client stays the caller's: this sink never destroys it.
 *
 * MessageAttributes carry severity, detector and campaign as String attributes so subscriptions
 * can filter (e.g. a pager subscription with `{"severity": ["critical"]}`); SNS drops messages
 * without an attribute a filter policy names, so `campaign` is always present (`-` when the alert
 * is not about one campaign).
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertEvent } from '../../detectors/types.ts';
import type { AlertSink } from './alertSink.ts';

/** SNS rejects a Subject over 100 characters, and one that is not printable ASCII on one line. */
export const SNS_SUBJECT_MAX = 100;

export function alertSubject(alert: AlertEvent): string {
  const subject = `[${alert.severity}] ${alert.detector} ${alert.key}`.replace(/[^\x20-\x7e]/g, '?');
  return subject.length <= SNS_SUBJECT_MAX ? subject : `${subject.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

/** Plain text for e-mail and chat subscribers: the summary first, then the facts, then the JSON. */
export function alertMessage(alert: AlertEvent): string {
  return [
    alert.summary,
    '',
    `alert:    ${alert.alertId}`,
    `severity: ${alert.severity}`,
    `detector: ${alert.detector}`,
    `key:      ${alert.key}`,
    `metric:   ${alert.metric} observed ${alert.observed}, expected ${alert.expected}, score ${alert.score.toFixed(3)}`,
    `window:   ${new Date(alert.windowStart).toISOString()} – ${new Date(alert.windowEnd).toISOString()}`,
    '',
    JSON.stringify(alert),
  ].join('\n');
}

export function buildPublishInput(topicArn: string, alert: AlertEvent): PublishCommandInput {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    TopicArn: topicArn,
    Subject: alertSubject(alert),
    Message: alertMessage(alert),
    MessageAttributes: {
      severity: attribute(alert.severity),
      detector: attribute(alert.detector),
      campaign: attribute(alert.dimensions.campaign ?? '-'),
    },
  };
}

export class SnsAlertSink implements AlertSink {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(alert: AlertEvent): Promise<void> {
    await this.client.send(new PublishCommand(buildPublishInput(this.topicArn, alert)));
  }
}
