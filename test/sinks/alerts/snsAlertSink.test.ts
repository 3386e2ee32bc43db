import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationOf } from '../../../detectors/alertGrouping.ts';
import { buildAlert } from '../../../detectors/alertLifecycle.ts';
import type { AlertEvent } from '../../../detectors/types.ts';
import { SnsAlertSink, alertSubject } from '../../../sinks/alerts/snsAlertSink.ts';
import { startSnsDouble, type SnsDouble } from '../../support/snsDouble.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:adstream-alerts';

const alert = (overrides: Partial<AlertEvent> = {}): AlertEvent => ({
  alertId: 'event_count:campaign=c007|type=click@2024-01-01T10:03:00.000Z',
  detector: 'event_count',
  key: 'campaign=c007|type=click',
  dimensions: { campaign: 'c007', type: 'click' },
  severity: 'critical',
  metric: 'count',
  observed: 1500,
  expected: 140,
  score: 0.999,
  windowStart: Date.UTC(2024, 0, 1, 10, 4),
  windowEnd: Date.UTC(2024, 0, 1, 10, 5),
  summary: '[critical] count spiked for campaign c007, type click: observed 1500 vs expected 140 (z 68.0)',
  ...overrides,
});

describe('SnsAlertSink against an SNS double speaking the SDK wire protocol', () => {
  let double: SnsDouble;
  let client: SNSClient;

  beforeAll(async () => {
    double = await startSnsDouble();
    client = new SNSClient({
      endpoint: double.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await double.close();
  });

  it('publishes topic, subject, a readable message and filterable attributes', async () => {
    const sink = new SnsAlertSink(client, TOPIC);
    await sink.send(alert());
    await sink.send(alert({ detector: 'rejected_spike', key: 'quality=stream|shard=s-1', dimensions: { quality: 'stream', shard: 's-1' }, severity: 'warning' }));

    expect(double.published).toHaveLength(2);
    const [first, second] = double.published;
    expect(first.topicArn).toBe(TOPIC);
    expect(first.subject).toBe('[critical] event_count campaign=c007|type=click');
    expect(first.message.split('\n')[0]).toBe(alert().summary);
    expect(first.message).toContain('alert:    event_count:campaign=c007|type=click@2024-01-01T10:03:00.000Z');
    // The score says where it stands, not a bare number.
    expect(first.message).toContain('score:    0.999 (0 normal, 0.5 at the alert threshold, 0.99 and up critical)');
    // the last line is the alert as JSON, for programmatic subscribers
    expect(JSON.parse(first.message.split('\n').at(-1)!)).toEqual(alert());
    expect(first.attributes).toEqual({
      severity: { dataType: 'String', stringValue: 'critical' },
      detector: { dataType: 'String.Array', stringValue: '["event_count"]' },
      campaign: { dataType: 'String.Array', stringValue: '["c007"]' },
      status: { dataType: 'String', stringValue: 'firing' },
      notification: { dataType: 'String.Array', stringValue: '["firing"]' },
      scope: { dataType: 'String.Array', stringValue: '["shard"]' },
      alertId: { dataType: 'String', stringValue: 'event_count:campaign=c007|type=click@2024-01-01T10:03:00.000Z' },
    });
    // not about a campaign: the attribute is still there, so filter policies naming it still match
    expect(second.attributes.campaign).toEqual({ dataType: 'String.Array', stringValue: '["-"]' });
    expect(second.attributes.severity.stringValue).toBe('warning');
  });

  it('tells a stream-wide alert from a shard\'s, and a reminder from a first page, by attributes a filter policy can match', async () => {
    const sink = new SnsAlertSink(client, TOPIC);
    await sink.send(alert({ key: 'quality=stream', dimensions: { quality: 'stream', scope: 'stream' }, notification: 'renotified' }));
    const { attributes } = double.published.at(-1)!;
    expect([attributes.scope.stringValue, attributes.notification.stringValue, attributes.status.stringValue]).toEqual(['["stream"]', '["renotified"]', 'firing']);
  });

  it('names the notification of every alert of a group: an escalation grouped under another alert\'s first page matches a filter on escalated', async () => {
    const escalated = alert({ alertId: 'stream_volume:quality=stream|shard=s0@1', detector: 'stream_volume', notification: 'escalated' });
    await new SnsAlertSink(client, TOPIC).send(alert({ notification: 'firing', related: [escalated] }));
    const { attributes } = double.published.at(-1)!;
    expect(attributes.notification).toEqual({ dataType: 'String.Array', stringValue: '["firing","escalated"]' });
    expect(attributes.severity.stringValue).toBe('critical');
  });

  it('says how to run the query where the lake is: adstream query --lake for a directory, Athena for S3', async () => {
    const withQuery = alert({ query: "SELECT 1 FROM metrics WHERE key = 'campaign=c007'" });
    await new SnsAlertSink(client, TOPIC, '/srv/adstream/lake').send(withQuery);
    expect(double.published.at(-1)!.message).toContain(`investigate:\n  adstream query --lake /srv/adstream/lake "${withQuery.query}"`);
    await new SnsAlertSink(client, TOPIC, 's3://ads-lake/').send(withQuery);
    expect(double.published.at(-1)!.message).toContain(`investigate:\n  in Athena (the lake s3://ads-lake/): ${withQuery.query}`);
  });

  it('publishes to a FIFO topic with a group per alert series and one deduplication id per notification', async () => {
    // Without them SNS refuses every publish to a .fifo topic (the local SNS does as SNS does).
    const fifo = 'arn:aws:sns:us-east-1:123456789012:alerts.fifo';
    const sink = new SnsAlertSink(client, fifo);
    await sink.send(alert());
    await sink.send(alert());
    await sink.send(alert({ status: 'resolved', notification: 'resolved' }));
    const [first, again, resolved] = double.published.slice(-3);
    expect(first.groupId).toMatch(/^[0-9a-f]{64}$/);
    expect([again.groupId, resolved.groupId]).toEqual([first.groupId, first.groupId]);
    expect(again.deduplicationId).toBe(first.deduplicationId);
    expect(resolved.deduplicationId).not.toBe(first.deduplicationId);
    const { SNSClient: Client, PublishCommand } = await import('@aws-sdk/client-sns');
    const raw = new Client({ endpoint: double.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    await expect(raw.send(new PublishCommand({ TopicArn: fifo, Message: 'no group' }))).rejects.toThrow('The MessageGroupId parameter is required for FIFO topics');
    raw.destroy();
  });

  it('subjects stay within what SNS accepts: fewer than 100 printable ASCII characters (the server refuses 100)', async () => {
    const long = alert({ key: `campaign=${'é'.repeat(150)}|type=click` });
    await new SnsAlertSink(client, TOPIC).send(long);
    const subject = double.published.at(-1)!.subject!;
    expect(subject).toBe(alertSubject(long));
    expect(subject).toHaveLength(99);
    expect(subject).toMatch(/^\[critical\] event_count campaign=\?+\.\.\.$/);
    // A group's count stays: the key gives way to it.
    const grouped = alert({ key: long.key, related: [alert({ alertId: 'event_count:campaign=c1@0', key: 'campaign=c1' }), alert({ alertId: 'event_count:campaign=c2@0', key: 'campaign=c2' })] });
    await new SnsAlertSink(client, TOPIC).send(grouped);
    expect(double.published.at(-1)!.subject).toMatch(/^\[critical\] event_count campaign=\?+\.\.\. \(\+2\)$/);
    expect(double.published.at(-1)!.subject).toHaveLength(99);
  });

  it('a resolved, grouped notification: RESOLVED subject, status attribute, every alert of the group and the query in the body', async () => {
    const ctr = alert({ detector: 'ctr', key: 'campaign=c007', dimensions: { campaign: 'c007' }, metric: 'ctr', summary: 'ctr spiked for campaign c007' });
    const query = "SELECT window_start, metric, value FROM metrics WHERE key = 'campaign=c007|type=click'";
    const grouped = alert({
      status: 'resolved',
      notification: 'resolved',
      since: Date.UTC(2024, 0, 1, 10, 3),
      group: 'campaign=c007',
      query,
      summary: '2 alerts for campaign=c007: count back to normal for campaign c007, type click',
      related: [ctr],
    });
    await new SnsAlertSink(client, TOPIC).send(grouped);
    const sent = double.published.at(-1)!;
    expect(sent.subject).toBe('[RESOLVED] event_count campaign=c007|type=click (+1)');
    expect(sent.attributes.status).toEqual({ dataType: 'String', stringValue: 'resolved' });
    expect(sent.attributes.campaign.stringValue).toBe('["c007"]');
    // A subscription filtering on either detector hears of the group: SNS matches an array on any element.
    expect(JSON.parse(sent.attributes.detector.stringValue!)).toEqual(['event_count', 'ctr']);
    const body = sent.message.split('\n');
    expect(body).toContain('status:   resolved');
    expect(body).toContain('since:    2024-01-01T10:03:00.000Z');
    expect(body).toContain('- ctr spiked for campaign c007');
    expect(body).toContain(`  adstream query "${query}"`);
    expect(JSON.parse(body.at(-1)!)).toEqual(grouped);
  });

  it('writes observed and expected in the alert\'s unit, as its summary does: a share as a percentage, a delay as a duration', async () => {
    const share = alert({ detector: 'duplicate_rate', key: 'quality=stream', metric: 'duplicates', unit: 'share', observed: 0.294, expected: 0.009756 });
    const delay = alert({ detector: 'ingestion_delay', key: 'quality=stream', metric: 'ingestion_delay_p99_ms', unit: 'ms', observed: 337_856, expected: 0 });
    const sink = new SnsAlertSink(client, TOPIC);
    await sink.send(share);
    expect(double.published.at(-1)!.message.split('\n')).toContain('metric:   duplicates observed 29.4 %, expected 0.976 %');
    await sink.send(delay);
    expect(double.published.at(-1)!.message.split('\n')).toContain('metric:   ingestion_delay_p99_ms observed 5 min 38 s, expected 0 ms');
  });

  it('a shard alert carried with several steps counts once, its steps listed under it in the order they happened', async () => {
    const shard = (notification: 'firing' | 'escalated' | 'resolved', minute: number, summary: string): AlertEvent =>
      alert({ alertId: 'duplicate_rate:quality=stream|shard=s0@x', detector: 'duplicate_rate', key: 'quality=stream|shard=s0', notification, status: notification === 'resolved' ? 'resolved' : 'firing', windowStart: Date.UTC(2024, 0, 1, 10, minute), summary });
    const other = alert({ alertId: 'duplicate_rate:quality=stream|shard=s1@x', detector: 'duplicate_rate', key: 'quality=stream|shard=s1', summary: 's1 spiked' });
    // As the group orders them: strongest first, so the escalation came before the firing.
    const grouped = alert({ status: 'resolved', notification: 'resolved', observed: 321, expected: 284.9671679197995, related: [shard('escalated', 6, 's0 escalated'), other, shard('resolved', 9, 's0 resolved'), shard('firing', 5, 's0 spiked')] });
    await new SnsAlertSink(client, TOPIC).send(grouped);
    const sent = double.published.at(-1)!;
    expect(sent.subject).toBe('[RESOLVED] event_count campaign=c007|type=click (+2)');
    const body = sent.message.split('\n');
    expect(body).toContain('metric:   count observed 321, expected 285');
    const listed = body.slice(body.indexOf('also in this group:') + 1, body.indexOf('also in this group:') + 5);
    expect(listed).toEqual(['- s0 spiked', '  s0 escalated', '  s0 resolved', '- s1 spiked']);
  });

  it('a stream-wide incident on a 100-shard stream is paged within SNS\'s 256 KB, naming every alert in its subject and attributes', async () => {
    // The stream-wide ingestion delay, late and volume alerts, each with every shard's own of its
    // window, as the stream-wide merge groups them: 3 + 300 alerts, about 1.1 KB each in the body.
    const shardIds = Array.from({ length: 100 }, (_, n) => `shardId-${String(n).padStart(12, '0')}`);
    const since = Date.UTC(2026, 10, 1, 3, 53);
    const raised = (detector: string, metric: string, dimensions: Record<string, string>, key: string): AlertEvent =>
      buildAlert({ detector, key, dimensions, metric, observed: 337_856, expected: 0, unit: 'ms', strength: { z: 12.3 }, score: 1, since, windowStart: since, windowEnd: since + 60_000, severity: 'critical' }, 'firing');
    const members = [['ingestion_delay', 'ingestion_delay_p99_ms'], ['late_rate', 'late'], ['stream_volume', 'valid']].flatMap(([detector, metric]) => [
      raised(detector, metric, { quality: 'stream', scope: 'stream' }, 'quality=stream'),
      ...shardIds.map((shard) => raised(detector, metric, { quality: 'stream', shard }, `quality=stream|shard=${shard}`)),
    ]);
    const grouped = notificationOf(members, (a) => a.dimensions.scope === 'stream');
    // Refused by SNS (and the double) before: the worker stopped at this batch at every restart.
    await new SnsAlertSink(client, TOPIC, '/var/lib/adstream/lake').send(grouped);
    const sent = double.published.at(-1)!;
    const attributeBytes = Object.entries(sent.attributes).reduce((sum, [name, a]) => sum + Buffer.byteLength(name + a.dataType + (a.stringValue ?? '')), 0);
    expect(Buffer.byteLength(sent.message) + attributeBytes).toBeLessThanOrEqual(262_144);
    // Every alert is still named where filters and the subject look: 302 others than the lead.
    expect(sent.subject).toBe('[critical] ingestion_delay quality=stream (+302)');
    expect(grouped.related).toHaveLength(302);
    expect(JSON.parse(sent.attributes.detector.stringValue!)).toEqual(['ingestion_delay', 'late_rate', 'stream_volume']);
    // The body leads with the incident, lists the strongest others (the stream-wide two first) and
    // says how many it left out: listed and left out make the 302.
    const body = sent.message.split('\n');
    expect(body[0]).toBe(grouped.summary);
    const listed = body.filter((line) => line.startsWith('- '));
    expect(listed.slice(0, 2).map((line) => line.split(': ')[0])).toEqual(['- [critical] late spiked for the whole stream', '- [critical] valid spiked for the whole stream']);
    const note = body.find((line) => line.startsWith('  ... and '))!;
    expect(Number(/and (\d+) more alerts/.exec(note)![1])).toBe(302 - listed.length);
    expect(listed.length).toBeGreaterThan(100);
    expect(body).toContain(`  adstream query --lake /var/lib/adstream/lake "${grouped.query}"`);
  });
});
