/**
 * A campaign alert its peers explain (`inhibited`, detectors/peerInhibition.ts) is not paged but
 * not lost either: from a shard's committed alerts to the operator, it is written to the alert
 * log with why, not printed, not published to SNS (through the real SDK, to a double decoding
 * its requests), and counted apart by the daily digest.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../detectors/types.ts';
import { parseAlertLog } from '../../../sinks/alerts/alertLogFile.ts';
import { fanOutAlertSink } from '../../../sinks/alerts/alertSink.ts';
import { buildDailyDigest, notPagedAlerts } from '../../../sinks/alerts/dailyDigest.ts';
import { digestText } from '../../../sinks/alerts/dailyDigestReport.ts';
import { LogAlertSink } from '../../../sinks/alerts/logAlertSink.ts';
import { SnsAlertSink } from '../../../sinks/alerts/snsAlertSink.ts';
import { shardNotifications } from '../../../stream/consumer/commitBatch.ts';
import { startSnsDouble, type SnsDouble } from '../../support/snsDouble.ts';

const WINDOW = Date.UTC(2026, 10, 2, 10, 0);
const WHY = "the shard's 3 other campaigns dropped alike (24 events, expected 60.0) and this one moved no further (8, expected 20.0)";

const campaignAlert = (campaign: string, detector: string, inhibited?: string): AlertEvent => ({
  alertId: `${detector}:campaign=${campaign}@${WINDOW}`,
  detector,
  key: `campaign=${campaign}`,
  dimensions: { campaign },
  severity: 'warning',
  metric: 'bids',
  observed: 8,
  expected: 20,
  score: 0.7,
  windowStart: WINDOW,
  windowEnd: WINDOW + 60_000,
  summary: `[warning] bids dropped for campaign ${campaign}`,
  status: 'firing',
  notification: 'firing',
  group: `campaign=${campaign}`,
  ...(inhibited === undefined ? {} : { inhibited }),
});

describe('an inhibited alert, from the shard to the operator', () => {
  let double: SnsDouble;
  let client: SNSClient;
  let dir: string;

  beforeAll(async () => {
    double = await startSnsDouble();
    client = new SNSClient({ endpoint: double.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'adstream-inhibited-'));
  });
  afterAll(async () => {
    client.destroy();
    await double.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is logged with why, neither printed nor published, and the digest counts it apart from the pages', async () => {
    // c1's two alerts form one page; c2's bids alert and c1's clicks alert were explained by peers.
    const unit = [campaignAlert('c1', 'campaign_auctions'), campaignAlert('c2', 'campaign_auctions', WHY), campaignAlert('c1', 'campaign_clicks'), campaignAlert('c1', 'event_volume', WHY)];
    const { notifications, inhibited } = shardNotifications(unit, true);
    expect(notifications.map((n) => [n.alertId, (n.related ?? []).map((r) => r.alertId)])).toEqual([[unit[0].alertId, [unit[2].alertId]]]);
    expect(inhibited).toEqual([unit[1], unit[3]]);

    const path = join(dir, 'alerts.jsonl');
    const printed: string[] = [];
    const sink = fanOutAlertSink([new LogAlertSink({ path, print: (line) => printed.push(line) }), new SnsAlertSink(client, 'arn:aws:sns:us-east-1:000000000000:alerts')]);
    for (const alert of notifications) await sink.send(alert);
    for (const alert of inhibited) await sink.record!(alert);

    expect(double.published.map((message) => message.subject)).toEqual(['[warning] campaign_auctions campaign=c1 (+1)']);
    expect(printed).toHaveLength(1);
    const logged = parseAlertLog(await readFile(path, 'utf8'), path);
    expect(logged.map((alert) => [alert.alertId, alert.inhibited])).toEqual([
      [unit[0].alertId, undefined],
      [unit[1].alertId, WHY],
      [unit[3].alertId, WHY],
    ]);

    const digest = buildDailyDigest('2026-11-02', logged, {});
    // Raised: c1's auctions and clicks alerts, both in the one page; c2's and c1's volume alert not paged.
    expect(digest).toMatchObject({ raised: 2, notPaged: 2, topCampaigns: [{ campaign: 'c1', alerts: 2 }] });
    expect(digestText(digest)).toContain("alerts not paged: 2 (campaigns that moved with their shard's other campaigns; in the alert log, marked inhibited)");
  });

  it('counts as not paged only alerts none of whose steps was paged: a paged alert whose late resolution was only logged was paged', () => {
    const firing = campaignAlert('c1', 'campaign_auctions');
    const quietResolution = { ...firing, status: 'resolved' as const, notification: 'resolved' as const, windowStart: WINDOW + 60_000, inhibited: 'the stream-wide alert it was part of resolved already' };
    const digest = buildDailyDigest('2026-11-02', [firing, quietResolution], {});
    expect(digest).toMatchObject({ raised: 1, notPaged: 0 });
    // Its resolution counts as one: "raised 1, resolved 0" sent the operator looking for an alert still open.
    expect(digestText(digest)).toContain('alerts resolved:  1');
    expect(notPagedAlerts([quietResolution])).toBe(1);
  });
});
