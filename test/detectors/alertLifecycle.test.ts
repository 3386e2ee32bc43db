import { describe, expect, it } from 'vitest';
import { alertIdOf, buildAlert, initialLifecycle, stepLifecycle, type LifecycleEvent } from '../../detectors/alertLifecycle.ts';

const config = { firingAfter: 2, resolveAfter: 3 };

/** Runs verdicts ('.' normal, 'a' anomalous, 'C' critical) and lists the events by window index. */
function run(verdicts: string): string[] {
  let state = initialLifecycle();
  const events: string[] = [];
  [...verdicts].forEach((v, i) => {
    const step = stepLifecycle(state, { anomalous: v !== '.', critical: v === 'C', windowStart: i * 60_000 }, config);
    state = step.state;
    if (step.event) events.push(`${i}:${step.event as LifecycleEvent}`);
  });
  return events;
}

describe('alert lifecycle', () => {
  it('fires on the 2nd consecutive anomalous window and resolves after 3 normal ones', () => {
    expect(run('..aa....')).toEqual(['3:firing', '6:resolved']);
  });

  it('a single anomalous window is a blip, a critical one fires at once', () => {
    expect(run('.a.a.')).toEqual([]);
    expect(run('.C...')).toEqual(['1:firing', '4:resolved']);
  });

  it('an anomalous window during the resolve countdown restarts it; critical escalates once', () => {
    expect(run('aa..a...')).toEqual(['1:firing', '7:resolved']);
    expect(run('aaCCa')).toEqual(['1:firing', '2:escalated']);
  });

  it('the alert carries its start window, not the window it fired in', () => {
    let state = initialLifecycle();
    for (const [i, anomalous] of [[0, false], [1, true], [2, true]] as const) {
      state = stepLifecycle(state, { anomalous, critical: false, windowStart: Date.UTC(2024, 0, 1, 10, i) }, config).state;
    }
    expect(state.phase).toBe('firing');
    expect(state.since).toBe(Date.UTC(2024, 0, 1, 10, 1));
    expect(alertIdOf('event_count', 'campaign=c1|type=click', state.since!)).toBe('event_count:campaign=c1|type=click@2024-01-01T10:01:00.000Z');
  });

  it('summary says what, where, observed vs expected and since when', () => {
    const alert = buildAlert(
      {
        detector: 'event_count',
        key: 'campaign=c7|type=impression',
        dimensions: { campaign: 'c7', type: 'impression' },
        metric: 'count',
        observed: 12,
        expected: 140,
        z: -9.14,
        score: 0.995,
        since: Date.UTC(2024, 0, 1, 10, 3),
        windowStart: Date.UTC(2024, 0, 1, 10, 4),
        windowEnd: Date.UTC(2024, 0, 1, 10, 5),
        severity: 'critical',
      },
      'firing',
    );
    expect(alert.summary).toBe(
      '[critical] count dropped for campaign c7, type impression: observed 12 vs expected 140 (z -9.1) ' +
        'in window 10:04–10:05 UTC; anomalous since 2024-01-01T10:03:00.000Z',
    );
    expect(alert.alertId).toBe('event_count:campaign=c7|type=impression@2024-01-01T10:03:00.000Z');
  });
});
