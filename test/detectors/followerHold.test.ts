/**
 * A campaign's later symptoms ride in its incident's next page: the first notification of an
 * alert whose campaign already paged in an earlier window waits for the campaign's next page, or
 * `groupIntervalWindows` windows at the longest. Hand-built lifecycles of the demo's win-rate
 * collapse (the win rate pages, the impressions follow two windows later, the win rate escalates
 * a window after that), the bound, batching, a snapshot taken mid-hold, and what is left alone.
 */
import { describe, expect, it } from 'vitest';
import { FollowerHold } from '../../detectors/followerHold.ts';
import { ResolutionHold } from '../../detectors/resolutionHold.ts';
import { shardDetectorFactory, type ShardDetectorSnapshot } from '../../detectors/shardDetector.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import { campaignAlertSteps, pagesOf, WINDOW_MS as W, type Step } from './support/campaignAlertSteps.ts';

const T0 = Date.UTC(2026, 10, 1, 5, 36);
const INTERVAL = 5;

const step = campaignAlertSteps('c008', T0, 'win_rate');
const winRate = (window: number, notification: Step) => step('win_rate', window, notification);
const impressions = (window: number, notification: Step) => step('event_volume', window, notification, { key: 'campaign=c008|type=impression' });
/** The end of window `w`: what `apply` is told was observed complete. */
const endOf = (window: number) => T0 + (window + 1) * W;
const pages = (alerts: AlertEvent[]): string[] => pagesOf(alerts, T0);

describe('FollowerHold', () => {
  it('sends the impressions alert that followed the win rate in the win rate’s escalation, one page where there were two', () => {
    const hold = new FollowerHold(INTERVAL);
    expect(pages(hold.apply([winRate(2, 'firing')], endOf(2)))).toEqual(['2 firing win_rate']);
    expect(hold.apply([impressions(4, 'firing')], endOf(4))).toEqual([]);
    expect(pages(hold.apply([winRate(5, 'escalated')], endOf(5)))).toEqual(['5 escalated win_rate event_volume:firing']);
    expect(hold.snapshot().held).toEqual([]);
  });

  it('without it (0 windows), the impressions alert pages on its own', () => {
    const hold = new FollowerHold(0);
    const out = [...hold.apply([winRate(2, 'firing')], endOf(2)), ...hold.apply([impressions(4, 'firing')], endOf(4)), ...hold.apply([winRate(5, 'escalated')], endOf(5))];
    expect(pages(out)).toEqual(['2 firing win_rate', '4 firing event_volume', '5 escalated win_rate']);
  });

  it('pages alerts of one window together: only a group paged in an earlier window holds an alert back', () => {
    const hold = new FollowerHold(INTERVAL);
    expect(pages(hold.apply([winRate(2, 'firing'), impressions(2, 'firing')], endOf(2)))).toEqual(['2 firing win_rate event_volume:firing']);
  });

  it('sends a follower in its group\'s page of the same window, whichever of the two the detectors listed first', () => {
    // The win rate escalated in the window its impressions first fired, and the detectors listed
    // the escalation first (its series sorts before a series filled for a window without events).
    // The impressions were held after the escalation had gone, and paged alone five windows later,
    // or, when a commit unit took in both, rode in it (grouped per unit and window): a live run
    // and one cut into smaller commits paged c025's impressions differently (one alert line apart).
    for (const order of [(a: AlertEvent[]) => a, (a: AlertEvent[]) => [...a].reverse()]) {
      const hold = new FollowerHold(INTERVAL);
      hold.apply([winRate(2, 'firing')], endOf(2));
      expect(pages(hold.apply(order([winRate(4, 'escalated'), impressions(4, 'firing')]), endOf(4)))).toEqual(['4 escalated win_rate event_volume:firing']);
      expect(hold.snapshot().held).toEqual([]);
    }
  });

  it('pages a held alert alone once it has waited the group interval and nothing of its group paged', () => {
    const hold = new FollowerHold(INTERVAL);
    hold.apply([winRate(2, 'firing')], endOf(2));
    expect(hold.apply([impressions(4, 'firing')], endOf(4))).toEqual([]);
    // Held from the end of window 4 for 5 windows: due at the end of window 9.
    expect(hold.apply([], endOf(8))).toEqual([]);
    expect(pages(hold.apply([], endOf(9)))).toEqual(['4 firing event_volume']);
    // Paged now, it is one of the group's: a later member waits for it too.
    expect(hold.apply([step('click_rate', 11, 'firing')], endOf(11))).toEqual([]);
  });

  it('gives the same pages whether the windows come one at a time or all at once', () => {
    const alerts = [winRate(2, 'firing'), impressions(4, 'firing'), step('click_rate', 9, 'firing'), step('ctr', 12, 'firing'), winRate(14, 'escalated')];
    const oneAtATime = new FollowerHold(INTERVAL);
    const singly: AlertEvent[] = [];
    for (let window = 0; window <= 15; window++) singly.push(...oneAtATime.apply(alerts.filter((a) => a.windowStart === T0 + window * W), endOf(window)));
    const together = new FollowerHold(INTERVAL).apply(alerts, endOf(15));
    expect(together).toEqual(singly);
    // The click rate (window 9) and the CTR (12) follow too, and wait; the impressions alert is
    // due at the end of window 9 and pages then, carrying the click rate; the escalation carries the CTR.
    expect(pages(singly)).toEqual(['2 firing win_rate', '4 firing event_volume click_rate:firing', '14 escalated win_rate ctr:firing']);
  });

  it('keeps a held alert across a snapshot (JSON) and sends it in the group’s next page after the restore', () => {
    const hold = new FollowerHold(INTERVAL);
    hold.apply([winRate(2, 'firing'), impressions(4, 'firing')], endOf(4));
    const restored = new FollowerHold(INTERVAL, JSON.parse(JSON.stringify(hold.snapshot())));
    expect(pages(restored.apply([winRate(5, 'escalated')], endOf(5)))).toEqual(['5 escalated win_rate event_volume:firing']);
  });

  it('a child shard holds what its parents held', () => {
    const parent = new FollowerHold(INTERVAL);
    parent.apply([winRate(2, 'firing'), impressions(4, 'firing')], endOf(4));
    const child = FollowerHold.union(INTERVAL, [undefined, parent.snapshot()]);
    expect(pages(child.apply([winRate(5, 'escalated')], endOf(5)))).toEqual(['5 escalated win_rate event_volume:firing']);
  });

  it('sends a campaign’s reminders in one page: the impressions’ reminder, due a window before the win rate’s, rides in it', () => {
    // renotifyWindows 5: each alert is reminded of 5 windows after its own last notice, the
    // impressions 5 after their first page (4, carried at 5), the win rate 5 after its escalation.
    const before = new FollowerHold(INTERVAL);
    before.apply([winRate(2, 'firing'), impressions(4, 'firing'), winRate(5, 'escalated')], endOf(5));
    // Across a snapshot (JSON), as a restarted worker goes on.
    const hold = new FollowerHold(INTERVAL, JSON.parse(JSON.stringify(before.snapshot())));
    expect(hold.apply([impressions(9, 'renotified')], endOf(9))).toEqual([]);
    expect(pages(hold.apply([winRate(10, 'renotified')], endOf(10)))).toEqual(['10 renotified win_rate event_volume:renotified']);
    // The next round alike: one page, 5 windows on.
    expect(hold.apply([impressions(14, 'renotified')], endOf(14))).toEqual([]);
    expect(pages(hold.apply([winRate(15, 'renotified')], endOf(15)))).toEqual(['15 renotified win_rate event_volume:renotified']);
  });

  it('does not hold an alert’s reminder after its own page, however short renotifyWindows is, nor one whose group paged long enough ago', () => {
    const hold = new FollowerHold(INTERVAL);
    hold.apply([winRate(2, 'firing')], endOf(2));
    expect(pages(hold.apply([winRate(4, 'renotified')], endOf(4)))).toEqual(['4 renotified win_rate']);
    const other = new FollowerHold(INTERVAL);
    other.apply([winRate(2, 'firing'), impressions(4, 'firing'), winRate(5, 'escalated')], endOf(5));
    // The win rate last paged at 5: 5 windows later is the group interval, not inside it.
    expect(pages(other.apply([impressions(10, 'renotified')], endOf(10)))).toEqual(['10 renotified event_volume']);
  });

  it('does not send a held reminder in a page with a later notice of its alert: the incident’s resolution said its impressions were still firing', () => {
    // As the shard detector chains them: ResolutionHold (the group's one resolution carries the
    // others'), then FollowerHold. The impressions' reminder at 9 waits for the campaign's next
    // page (the win rate paged at 5); that page is the resolution of both at 10.
    const resolutions = new ResolutionHold();
    const hold = new FollowerHold(INTERVAL);
    const apply = (alerts: AlertEvent[], window: number) => hold.apply(resolutions.apply(alerts), endOf(window));
    expect(pages(apply([winRate(2, 'firing')], 2))).toEqual(['2 firing win_rate']);
    expect(pages(apply([impressions(4, 'firing')], 4))).toEqual([]);
    expect(pages(apply([winRate(5, 'escalated')], 5))).toEqual(['5 escalated win_rate event_volume:firing']);
    expect(apply([impressions(9, 'renotified')], 9)).toEqual([]);
    // Before: '10 resolved win_rate event_volume:resolved event_volume:renotified', a resolution
    // listing its impressions as '(still firing)' (and SNS's notification attribute 'renotified').
    expect(pages(apply([winRate(10, 'resolved'), impressions(10, 'resolved')], 10))).toEqual(['10 resolved win_rate event_volume:resolved']);
    expect(hold.snapshot().held).toEqual([]);
    // An impressions alert resolved alone leaves its reminder out of its resolution too.
    const alone = new FollowerHold(INTERVAL);
    alone.apply([winRate(2, 'firing'), impressions(4, 'firing'), winRate(5, 'escalated'), impressions(9, 'renotified')], endOf(9));
    expect(pages(alone.apply([impressions(10, 'resolved')], endOf(10)))).toEqual(['10 resolved event_volume']);
    // Its escalation, or its next reminder (5 windows on, the group's last page now 9 back), pages
    // without the held reminder: before, '14 renotified event_volume event_volume:renotified'.
    for (const [later, page] of [[impressions(12, 'escalated'), '12 escalated event_volume'], [impressions(14, 'renotified'), '14 renotified event_volume']] as const) {
      const again = new FollowerHold(INTERVAL);
      again.apply([winRate(2, 'firing'), impressions(4, 'firing'), winRate(5, 'escalated'), impressions(9, 'renotified')], endOf(9));
      expect(pages(again.apply([later], later.windowEnd))).toEqual([page]);
      expect(again.snapshot().held).toEqual([]);
    }
  });

  it('leaves alone the stream’s quality alerts and alerts not paged', () => {
    const hold = new FollowerHold(INTERVAL);
    hold.apply([winRate(2, 'firing')], endOf(2));
    const stream = step('duplicate_rate', 4, 'firing', { key: 'quality=stream', group: 'stream', dimensions: { quality: 'stream' } });
    const inhibited = { ...impressions(4, 'firing'), inhibited: 'its peers moved alike' };
    expect(hold.apply([stream, inhibited], endOf(4))).toEqual([stream, inhibited]);
  });
});

describe('with the resolution hold, as the shard detector runs them', () => {
  it('a held alert that resolves first rides, fired and resolved, in the group’s one resolution', () => {
    const resolutions = new ResolutionHold();
    const followers = new FollowerHold(INTERVAL);
    const run = (alerts: AlertEvent[], window: number) => followers.apply(resolutions.apply(alerts), endOf(window));
    expect(pages(run([winRate(2, 'firing')], 2))).toEqual(['2 firing win_rate']);
    expect(run([impressions(4, 'firing')], 4)).toEqual([]);
    expect(run([impressions(6, 'resolved')], 6)).toEqual([]);
    expect(pages(run([winRate(7, 'resolved')], 7))).toEqual(['7 resolved win_rate event_volume:firing event_volume:resolved']);
  });

  it('the shard detector sends what both still hold at the end of a bounded run, firings before resolutions', () => {
    const factory = shardDetectorFactory();
    const snapshot: ShardDetectorSnapshot = {
      ...factory().snapshot(),
      resolutionHold: { open: { 'campaign=c008': [winRate(2, 'firing').alertId] }, held: [impressions(6, 'resolved')] },
      followerHold: { paged: {}, held: [impressions(4, 'firing')] },
    };
    const detector = factory(JSON.parse(JSON.stringify(snapshot)));
    expect(detector.flush().map((a) => `${(a.windowStart - T0) / W} ${a.notification}`)).toEqual(['4 firing', '6 resolved']);
  });
});
