/** Matching raised alerts to injected anomalies (detectors/matchLabels.ts), on hand-built cases. */
import { describe, expect, it } from 'vitest';
import { matchAlertsToLabels } from '../../detectors/matchLabels.ts';
import type { AlertEvent } from '../../detectors/types.ts';

const W = 60_000;
const T0 = Date.UTC(2026, 10, 1, 3, 48);
const at = (minute: number): number => T0 + minute * W;
const alert = (key: string, window: number, since?: number): AlertEvent => ({
  alertId: `campaign_volume:${key}@${window}`,
  detector: 'campaign_volume',
  key,
  dimensions: {},
  severity: 'warning',
  metric: 'events',
  observed: 3,
  expected: 9.6,
  score: 0.53,
  windowStart: at(window),
  windowEnd: at(window + 1),
  summary: '',
  ...(since === undefined ? {} : { since: at(since) }),
});

describe('matching alerts to labelled anomalies', () => {
  // An ingestion delay on the whole stream from minute 0 to 13 (exclusive).
  const label = { kind: 'ingestion_delay', key: '*', start: at(0), end: at(13) };

  it('an alert whose run began inside the incident belongs to it, even when it fired after the grace', () => {
    const { matches, unmatched } = matchAlertsToLabels([label], [alert('campaign=c038', 16, 1)], W);
    expect(unmatched).toEqual([]);
    // Caught at the end of minute 16: 17 windows after the start.
    expect(matches[0].delayWindows).toBe(17);
  });

  it('an alert that began after the incident and its grace is noise', () => {
    const { matches, unmatched } = matchAlertsToLabels([label], [alert('campaign=c038', 16, 15)], W);
    expect(unmatched).toHaveLength(1);
    expect(matches[0].delayWindows).toBeUndefined();
  });

  it('without a start, the alert window itself must fall inside the incident and its 2-window grace', () => {
    expect(matchAlertsToLabels([label], [alert('campaign=c038', 14)], W).unmatched).toEqual([]);
    expect(matchAlertsToLabels([label], [alert('campaign=c038', 15)], W).unmatched).toHaveLength(1);
  });

  it('a run may begin a few windows before the incident, but an alert raised before it is noise', () => {
    const drop = { kind: 'traffic_drop', key: 'campaign=c029', start: at(10), end: at(20) };
    // Run from minute 5 (the campaign was already quiet), fired in minute 14: caught, 5 windows in.
    const early = matchAlertsToLabels([drop], [alert('campaign=c029', 14, 5)], W);
    expect(early.unmatched).toEqual([]);
    expect(early.matches[0].delayWindows).toBe(5);
    // Fired in minute 9, before the incident began: it cannot have seen it.
    expect(matchAlertsToLabels([drop], [alert('campaign=c029', 9, 5)], W).unmatched).toHaveLength(1);
    // A run from six windows before is older than any reach-back.
    expect(matchAlertsToLabels([drop], [alert('campaign=c029', 14, 4)], W).unmatched).toHaveLength(1);
  });

  it('a campaign label matches that campaign only', () => {
    const campaign = { kind: 'traffic_drop', key: 'campaign=c029', start: at(0), end: at(10) };
    const { unmatched } = matchAlertsToLabels([campaign], [alert('campaign=c029|type=impression', 1, 0), alert('campaign=c030', 1, 0)], W);
    expect(unmatched.map((a) => a.key)).toEqual(['campaign=c030']);
  });

  it('an alert that fits two labels counts for the one whose interval holds its start, not for the one it reaches by grace', () => {
    // A malformed burst on any key ending at minute 0, then the ingestion delay from minute 0: an
    // alert that began at minute 0 is within the burst's 2-window grace, but it is the delay's.
    const burst = { kind: 'malformed_burst', key: '*', start: at(-19), end: at(0) };
    const { matches } = matchAlertsToLabels([burst, label], [alert('campaign=c032', 1, 0)], W);
    expect(matches.map((m) => [m.label.kind, m.alerts.length])).toEqual([
      ['malformed_burst', 0],
      ['ingestion_delay', 1],
    ]);
  });

  it('an alert that fits two labels otherwise than by grace counts for both: a reach-back into a neighbour does not lose its own', () => {
    const flood = { kind: 'click_flood', key: 'campaign=c004', start: at(20), end: at(30) };
    // Began at minute 19 (reach-back) inside an hour-long stream-wide delay: both incidents are caught by it.
    const delay = { ...label, end: at(60) };
    const { matches } = matchAlertsToLabels([delay, flood], [alert('campaign=c004', 21, 19)], W);
    expect(matches.map((m) => m.alerts.length)).toEqual([1, 1]);
  });
});
