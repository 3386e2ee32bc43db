/**
 * The local SNS, driven by the real SNSClient: what SNS accepts is handed on as SNS would receive
 * it, and what SNS refuses (its documented Publish constraints) comes back as the SDK's
 * InvalidParameterException, so code tried locally fails where it would fail on AWS.
 */
import { GetTopicAttributesCommand, PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnsServer, type PublishedMessage, type SnsServer } from '../../../stream/local/snsServer.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:adstream-alerts';
let server: SnsServer;
let client: SNSClient;
const received: PublishedMessage[] = [];

beforeAll(async () => {
  server = await startSnsServer({ onPublish: (m) => received.push(m) });
  client = new SNSClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  client?.destroy();
  await server?.close();
});

const publish = (input: Partial<PublishCommandInput>) => client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'body', ...input }));

describe('local SNS', () => {
  it('hands on an accepted message with its subject and attributes, and answers with a message id', async () => {
    const answer = await publish({ Subject: 's'.repeat(99), MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' }, windows: { DataType: 'Number', StringValue: '3' } } });
    expect(answer.MessageId).toMatch(/^local-\d+$/);
    expect(received.at(-1)).toEqual({
      topicArn: TOPIC,
      subject: 's'.repeat(99),
      message: 'body',
      attributes: { severity: { dataType: 'String', stringValue: 'critical' }, windows: { dataType: 'Number', stringValue: '3' } },
      protocol: 'query',
    });
  });

  it('refuses what SNS refuses, as InvalidParameter, and hands on none of it', async () => {
    const before = received.length;
    const refusals: [Partial<PublishCommandInput>, RegExp][] = [
      [{ Subject: 's'.repeat(100) }, /Subject must be 1 to 99 characters, not 100/],
      [{ Subject: 'two\nlines' }, /line break or control character/],
      [{ Message: '' }, /Empty message/],
      [{ TopicArn: 'adstream-alerts' }, /is not an SNS topic ARN/],
      [{ Message: 'x'.repeat(262_145) }, /Message too long \(262145 bytes/],
      [{ MessageAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }])) }, /11 message attributes, at most 10/],
      [{ MessageAttributes: { 'AWS.reserved': { DataType: 'String', StringValue: 'v' } } }, /message attribute name "AWS.reserved"/],
      [{ MessageAttributes: { n: { DataType: 'Number', StringValue: 'many' } } }, /message attribute n is not a number/],
    ];
    for (const [input, reason] of refusals) {
      const error = (await publish(input).catch((e: unknown) => e)) as Error;
      expect(error.name, JSON.stringify(input).slice(0, 80)).toBe('InvalidParameterException');
      expect(error.message).toMatch(reason);
    }
    expect(received).toHaveLength(before);
  });
});

describe('local SNS with a set of topics', () => {
  it('answers GetTopicAttributes for a topic it has, and NotFound for a Publish or GetTopicAttributes to any other, as SNS does', async () => {
    const accepted: PublishedMessage[] = [];
    const oneTopic = await startSnsServer({ topics: [TOPIC], onPublish: (m) => accepted.push(m) });
    const sns = new SNSClient({ region: 'us-east-1', endpoint: oneTopic.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const other = `${TOPIC}-other`;
      expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: TOPIC }))).Attributes).toEqual({ TopicArn: TOPIC });
      const missing = await sns.send(new GetTopicAttributesCommand({ TopicArn: other })).catch((e: Error) => e);
      const publishMissing = await sns.send(new PublishCommand({ TopicArn: other, Message: 'body' })).catch((e: Error) => e);
      for (const error of [missing, publishMissing]) expect([(error as Error).name, (error as Error).message]).toEqual(['NotFoundException', 'Topic does not exist']);
      await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'body' }));
      expect(accepted.map((m) => m.topicArn)).toEqual([TOPIC]);
    } finally {
      sns.destroy();
      await oneTopic.close();
    }
  });
});
