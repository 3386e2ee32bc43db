/**
 * A campaign's count alert that only followed the shard's other campaigns is not paged: hand-built
 * cases of the comparison with its peers, the inhibited alert's later steps, and the shard
 * detector on windows where every campaign drops at once against one where a single one does.
 */
import { describe, expect, it } from 'vitest';
import { defaultDetectorConfig } from '../../detectors/defaultConfig.ts';
import { peerExplanation, PeerInhibition, type CountReading } from '../../detectors/peerInhibition.ts';
import { shardDetectorFactory, type ConfiguredDetector } from '../../detectors/shardDetector.ts';
import { isPaged, type AlertEvent, type MetricEvent } from '../../detectors/types.ts';
import { VolumeDetector } from '../../detectors/volumeDetector.ts';
import { buildPublishInput } from '../../sinks/alerts/snsAlertSink.ts';

const T0 = Date.UTC(2024, 0, 1, 10, 0);
const W = 60_000;
const ALPHA = 0.01;

const reading = (key: string, observed: number, expected: number, watch = 'campaign_auctions'): CountReading => ({
  watch,
  key,
  dimensions: Object.fromEntries(key.split('|').map((part) => part.split('=') as [string, string])),
  windowStart: T0,
  observed,
  expected,
});

const alertOn = (own: CountReading, fields: Partial<AlertEvent> = {}): AlertEvent => ({
  alertId: `${own.watch}:${own.key}@x`,
  detector: own.watch,
  key: own.key,
  dimensions: own.dimensions,
  severity: 'warning',
  metric: 'auctions',
  observed: own.observed,
  expected: own.expected,
  score: 0.6,
  windowStart: own.windowStart,
  windowEnd: own.windowStart + W,
  summary: `${own.key} moved`,
  status: 'firing',
  notification: 'firing',
  ...fields,
});

/** Peers c2..c4, each at `observed` of `expected`. */
const peers = (observed: number, expected: number, watch?: string): CountReading[] => ['c2', 'c3', 'c4'].map((c) => reading(`campaign=${c}`, observed, expected, watch));

const explainedByPeers = (...args: Parameters<typeof peerExplanation>): boolean => peerExplanation(...args) !== undefined;

describe('peerExplanation', () => {
  it('excuses a campaign that dropped as far as its peers did (40 % of expected, all of them)', () => {
    const own = reading('campaign=c1', 8, 20);
    expect(peerExplanation(alertOn(own), [own, ...peers(8, 20)], ALPHA)).toBe("the shard's 3 other campaigns dropped alike (24 events, expected 60.0) and this one moved no further (8, expected 20.0)");
  });

  it('pages a campaign whose traffic stopped while its peers only lost a third', () => {
    // Peers 40 of 60: P(X ≤ 40 | Poisson 60) ≈ 0.004, they moved. The campaign's share of the 40
    // events, expected 20 / 80: P(0 of 40 | 0.25) = 0.75^40 ≈ 1e-5, it moved further.
    const own = reading('campaign=c1', 0, 20);
    const moved = ['c2', 'c3', 'c4'].map((c, i) => reading(`campaign=${c}`, [13, 13, 14][i], 20));
    expect(explainedByPeers(alertOn(own), [own, ...moved], ALPHA)).toBe(false);
  });

  it('pages a campaign whose peers did not move, or are too few to tell', () => {
    const own = reading('campaign=c1', 2, 20);
    expect(explainedByPeers(alertOn(own), [own, ...peers(20, 20)], ALPHA)).toBe(false);
    // One peer expecting 3 saw 1: P(X ≤ 1 | 3) ≈ 0.2, no evidence it moved.
    expect(explainedByPeers(alertOn(own), [own, reading('campaign=c2', 1, 3)], ALPHA)).toBe(false);
  });

  it('excuses a spike its peers share, in the alert’s own direction', () => {
    const own = reading('campaign=c1', 40, 20);
    expect(explainedByPeers(alertOn(own), [own, ...peers(40, 20)], ALPHA)).toBe(true);
    expect(explainedByPeers(alertOn(own), [own, ...peers(8, 20)], ALPHA)).toBe(false);
  });

  it('compares a series only with the same watch, window and other dimensions (a click series with clicks)', () => {
    const own = reading('campaign=c1|type=click', 2, 10, 'event_volume');
    const impressionsDropped = ['c2', 'c3'].map((c) => reading(`campaign=${c}|type=impression`, 8, 40, 'event_volume'));
    const clicksSteady = ['c2', 'c3'].map((c) => reading(`campaign=${c}|type=click`, 10, 10, 'event_volume'));
    const otherWatch = peers(4, 20);
    const otherWindow = ['c2', 'c3'].map((c) => ({ ...reading(`campaign=${c}|type=click`, 2, 10, 'event_volume'), windowStart: T0 - W }));
    expect(explainedByPeers(alertOn(own), [own, ...impressionsDropped, ...clicksSteady, ...otherWatch, ...otherWindow], ALPHA)).toBe(false);
    const clicksDropped = ['c2', 'c3'].map((c) => reading(`campaign=${c}|type=click`, 2, 10, 'event_volume'));
    expect(explainedByPeers(alertOn(own), [own, ...clicksDropped], ALPHA)).toBe(true);
  });

  it('leaves alerts that are not a campaign’s alone', () => {
    const own = reading('quality=stream', 8, 20, 'stream_volume');
    expect(explainedByPeers(alertOn(own), [own, ...peers(8, 20, 'stream_volume')], ALPHA)).toBe(false);
  });
});

describe('PeerInhibition', () => {
  const own = reading('campaign=c1', 8, 20);
  const firing = alertOn(own);

  it('marks an excused alert and its later steps inhibited, pages an escalation its peers no longer explain, and forgets it once resolved', () => {
    const inhibition = new PeerInhibition(ALPHA);
    const [marked] = inhibition.mark([firing], [own, ...peers(8, 20)]);
    expect(marked).toEqual({ ...firing, inhibited: expect.stringContaining('3 other campaigns dropped alike') });
    expect(inhibition.snapshot()).toEqual([firing.alertId]);
    const escalated = alertOn(reading('campaign=c1', 0, 20), { notification: 'escalated', severity: 'critical' });
    // Peers back to normal, the campaign at 0: this step is its own.
    const recovered = [reading('campaign=c1', 0, 20), ...peers(20, 20)];
    expect(inhibition.mark([escalated], recovered)).toEqual([escalated]);
    expect(inhibition.snapshot()).toEqual([]);

    const restored = new PeerInhibition(ALPHA, [firing.alertId]);
    const resolved = alertOn(own, { status: 'resolved', notification: 'resolved' });
    expect(restored.mark([resolved], [])).toEqual([{ ...resolved, inhibited: "its firing was not paged: the shard's other campaigns moved alike" }]);
    expect(restored.snapshot()).toEqual([]);
    // A resolution of an alert that was paged is paged.
    expect(restored.mark([resolved], [])).toEqual([resolved]);
  });

  it('pages a reminder its peers no longer explain as the alert\'s first page, not as a reminder of a page never sent', () => {
    const inhibition = new PeerInhibition(ALPHA);
    inhibition.mark([firing], [own, ...peers(8, 20)]);
    const summary = '[warning] auctions dropped for campaign c1: observed 2 vs expected 20 (p 1e-9) in window 10:05–10:06 UTC; anomalous since 2024-01-01T10:00:00.000Z';
    const reminder = alertOn(reading('campaign=c1', 2, 20), { notification: 'renotified', summary: `${summary} (still firing)` });
    // Peers back to normal, the campaign still at 2 of 20: paged, and it is the operator's first
    // page of the alert, so a subscription on first pages (notification firing) hears of it.
    const [paged] = inhibition.mark([reminder], [reading('campaign=c1', 2, 20), ...peers(20, 20)]);
    expect(paged).toEqual({ ...reminder, notification: 'firing', summary });
    const sent = buildPublishInput('arn:aws:sns:us-east-1:123456789012:alerts', paged);
    expect(sent.MessageAttributes?.notification).toEqual({ DataType: 'String.Array', StringValue: '["firing"]' });
    // An alert paged from its firing on is reminded of as before.
    const fresh = new PeerInhibition(ALPHA);
    expect(fresh.mark([reminder], [reading('campaign=c1', 2, 20), ...peers(20, 20)])).toEqual([reminder]);
  });
});

describe('the shard detector', () => {
  const CAMPAIGNS = ['c1', 'c2', 'c3', 'c4'];
  // Bid requests a minute per campaign, around 30: the count test's history must have some spread.
  const NORMAL = [30, 33, 28, 31, 29, 32, 27, 30, 34, 26];

  function window(i: number, auctions: (campaign: string) => number): MetricEvent[] {
    return CAMPAIGNS.map((campaign) => ({
      windowStart: T0 + i * W,
      windowEnd: T0 + (i + 1) * W,
      key: `campaign=${campaign}`,
      dimensions: { campaign },
      values: { bids: auctions(campaign), impressions: 0 },
      watermark: T0 + (i + 1) * W,
    }));
  }

  /** 40 normal windows, then `incident` for 6, then normal again for 10; alerts on campaign keys. */
  function run(detector: Pick<ConfiguredDetector, 'observe'>, incident: (campaign: string, normal: number) => number): AlertEvent[] {
    const alerts: AlertEvent[] = [];
    for (let i = 0; i < 56; i++) {
      const normal = NORMAL[i % NORMAL.length];
      alerts.push(...detector.observe(window(i, (c) => (i >= 40 && i < 46 ? incident(c, normal) : normal))));
    }
    return alerts.filter((alert) => alert.dimensions.campaign !== undefined);
  }

  it('does not page the campaigns of a drop every campaign shares (the raw detector pages each), and pages a drop of one campaign alone', () => {
    const allAtATenth = (_c: string, normal: number) => Math.round(normal / 10);
    const raw = run(new VolumeDetector(defaultDetectorConfig), allAtATenth);
    expect(new Set(raw.map((alert) => alert.key))).toEqual(new Set(CAMPAIGNS.map((c) => `campaign=${c}`)));
    const shared = run(shardDetectorFactory()(), allAtATenth);
    expect(shared.filter(isPaged)).toEqual([]);
    // Not paged, but kept for the log: each campaign's firing and resolution, with why.
    expect(new Set(shared.filter((alert) => alert.notification === 'firing').map((alert) => alert.key))).toEqual(new Set(CAMPAIGNS.map((c) => `campaign=${c}`)));
    expect(shared.every((alert) => alert.inhibited !== undefined)).toBe(true);

    const c1Stops = (c: string, normal: number) => (c === 'c1' ? 0 : normal);
    const alone = run(shardDetectorFactory()(), c1Stops).filter(isPaged);
    expect(alone.filter((alert) => alert.notification === 'firing').map((alert) => alert.key)).toEqual(['campaign=c1']);
    expect(alone.filter((alert) => alert.status === 'resolved').map((alert) => alert.key)).toEqual(['campaign=c1']);
  });

  it('keeps an inhibited alert quiet across a snapshot: restored mid-incident, its resolution is not paged', () => {
    const factory = shardDetectorFactory();
    let detector = factory();
    const alerts: AlertEvent[] = [];
    for (let i = 0; i < 56; i++) {
      const normal = NORMAL[i % NORMAL.length];
      alerts.push(...detector.observe(window(i, () => (i >= 40 && i < 46 ? Math.round(normal / 10) : normal))));
      if (i === 43) {
        const snapshot = JSON.parse(JSON.stringify(detector.snapshot()));
        expect(snapshot.inhibitedAlerts.length).toBeGreaterThan(0);
        detector = factory(snapshot);
      }
    }
    expect(alerts.filter((alert) => alert.dimensions.campaign !== undefined && isPaged(alert))).toEqual([]);
    expect(detector.snapshot().inhibitedAlerts).toEqual([]);
  });
});
