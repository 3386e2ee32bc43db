/**
 * Grouping one window's alerts into notifications (alertGrouping.ts), on hand-made alerts: what
 * is one page, and what its summary says.
 */
import { describe, expect, it } from 'vitest';
import { buildAlert, type AlertFacts, type LifecycleEvent } from '../../detectors/alertLifecycle.ts';
import { groupNotifications } from '../../detectors/alertGrouping.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const MINUTE = 60_000;

const alert = (metric: string, type: string, event: LifecycleEvent, score: number) => {
  const facts: AlertFacts = {
    detector: 'event_volume', key: `campaign=c1|type=${type}`, dimensions: { campaign: 'c1', type }, metric, observed: 2, expected: 20,
    strength: { p: 1e-6 }, score, since: T0 - 5 * MINUTE, windowStart: T0, windowEnd: T0 + MINUTE, severity: 'warning',
  };
  return buildAlert(facts, event);
};

describe('grouping a window\'s alerts into notifications', () => {
  it('keeps a campaign\'s firing alerts and its resolutions of the same window apart: two notifications, each of its own status', () => {
    const clicks = alert('count', 'click', 'firing', 5);
    const impressions = alert('count', 'impression', 'resolved', 3);
    const notifications = groupNotifications([clicks, impressions]);
    expect(notifications.map((n) => [n.status, n.alertId])).toEqual([['firing', clicks.alertId], ['resolved', impressions.alertId]]);
  });

  it('counts alerts, not steps, in a summary: one alert\'s two steps read as that alert\'s summary, two alerts as "2 alerts for"', () => {
    const clicks = alert('count', 'click', 'firing', 5);
    const again = { ...clicks, notification: 'renotified' as const };
    expect(groupNotifications([clicks, again])[0].summary).toBe(clicks.summary);
    const impressions = alert('count', 'impression', 'firing', 3);
    expect(groupNotifications([clicks, impressions])[0].summary).toBe(`2 alerts for campaign=c1: ${clicks.summary}`);
  });
});
