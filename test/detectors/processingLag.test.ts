/**
 * The processing-lag watch on hand-built series of (clock time, MillisBehindLatest) per shard:
 * a sustained lag fires once, a catch-up after a restart does not, a deeper lag escalates, and a
 * shard that has stayed caught up for the sustain time resolves, under the same alert id.
 */
import { describe, expect, it } from 'vitest';
import { ProcessingLagWatch } from '../../detectors/processingLag.ts';

const SECOND = 1_000;
const config = { thresholdMs: 60 * SECOND, criticalMs: 300 * SECOND, sustainMs: 60 * SECOND };

/** Feeds one shard's observations, every 10 s from t=0; returns the notifications by time. */
function feed(watch: ProcessingLagWatch, lags: number[], shard = 'shardId-000000000001') {
  return lags.flatMap((lag, i) => {
    const alert = watch.observe(shard, lag, i * 10 * SECOND);
    return alert ? [{ at: i * 10, notification: alert.notification, severity: alert.severity, alertId: alert.alertId }] : [];
  });
}

describe('processing lag', () => {
  it('does not fire on a catch-up shorter than the sustain time', () => {
    // A restart: 4 minutes behind, caught up within 50 s.
    expect(feed(new ProcessingLagWatch(config), [240, 200, 150, 100, 70, 5, 0, 0].map((s) => s * SECOND))).toEqual([]);
  });

  it('fires once the lag has stayed above the threshold for the sustain time, and resolves after as long caught up', () => {
    const lags = [0, 90, 95, 100, 110, 120, 130, 125, 80, 40, 10, 0, 0, 0, 0, 0, 0].map((s) => s * SECOND);
    const notices = feed(new ProcessingLagWatch(config), lags);
    // Behind from t=10 s; 60 s later (t=70 s) it fires; below the threshold from t=90 s, resolved at t=150 s.
    expect(notices.map(({ at, notification }) => ({ at, notification }))).toEqual([
      { at: 70, notification: 'firing' },
      { at: 150, notification: 'resolved' },
    ]);
    expect(new Set(notices.map((n) => n.alertId)).size).toBe(1);
  });

  it('escalates to critical when the lag passes the critical level, once', () => {
    const lags = [100, 100, 100, 100, 100, 100, 100, 200, 320, 400, 500].map((s) => s * SECOND);
    expect(feed(new ProcessingLagWatch(config), lags).map(({ at, notification, severity }) => ({ at, notification, severity }))).toEqual([
      { at: 60, notification: 'firing', severity: 'warning' },
      { at: 80, notification: 'escalated', severity: 'critical' },
    ]);
  });

  it('a dip below the threshold restarts the clock before firing, and shards are watched separately', () => {
    const watch = new ProcessingLagWatch(config);
    const a = [90, 90, 90, 90, 30, 90, 90, 90, 90, 90, 90, 90].map((s) => s * SECOND);
    expect(feed(watch, a, 'a').map((n) => n.at)).toEqual([110]);
    expect(feed(watch, [0, 0, 0].map((s) => s * SECOND), 'b')).toEqual([]);
  });

  it('says which shard, how far behind and since when', () => {
    const watch = new ProcessingLagWatch(config);
    let alert;
    for (let t = 0; t <= 60; t += 10) alert = watch.observe('shardId-000000000007', 150 * SECOND, Date.UTC(2026, 10, 23, 12, 0, t));
    expect(alert).toMatchObject({ detector: 'processing_lag', key: 'consumer=lag|shard=shardId-000000000007', observed: 150_000, expected: 60_000, status: 'firing', since: Date.UTC(2026, 10, 23, 12, 0, 0) });
    expect(alert!.summary).toBe('[warning] processing lag on shard shardId-000000000007: 2.5 min behind the tip of the stream (threshold 1.0 min), behind since 2026-11-23T12:00:00.000Z');
    expect(alert!.score).toBeCloseTo(0.5);
  });

  it('refuses a threshold above the critical level', () => {
    expect(() => new ProcessingLagWatch({ thresholdMs: 10, criticalMs: 5, sustainMs: 0 })).toThrow(RangeError);
  });
});
