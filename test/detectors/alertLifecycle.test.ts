import { describe, expect, it } from 'vitest';
import { alertIdOf, buildAlert, initialLifecycle, stepLifecycle, type AlertFacts, type LifecycleConfig, type LifecycleEvent } from '../../detectors/alertLifecycle.ts';

const config = { firingAfter: 2, resolveAfter: 3 };

/** Runs verdicts ('.' normal, 'a' anomalous, 'C' critical) and lists the events by window index. */
function run(verdicts: string, settings: LifecycleConfig = config): string[] {
  let state = initialLifecycle();
  const events: string[] = [];
  [...verdicts].forEach((v, i) => {
    const step = stepLifecycle(state, { anomalous: v !== '.', critical: v === 'C', windowStart: i * 60_000 }, settings);
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

  it('a firing alert is sent again every renotifyWindows windows, counted from its last notice', () => {
    const renotify = { ...config, renotifyWindows: 3 };
    expect(run('aaaaaaaaa', renotify)).toEqual(['1:firing', '4:renotified', '7:renotified']);
    // An escalation is a notice too: the next reminder is 3 windows after it.
    expect(run('aaaCaaaa', renotify)).toEqual(['1:firing', '3:escalated', '6:renotified']);
  });

  it('a reminder due in a normal window waits for the next anomalous one, which it describes', () => {
    const renotify = { ...config, renotifyWindows: 3 };
    expect(run('aaa.a', renotify)).toEqual(['1:firing', '4:renotified']);
    expect(run('aaa..a...', renotify)).toEqual(['1:firing', '5:renotified', '8:resolved']);
  });

  it('with a cooldown, an alert resolves only after resolveAfter + cooldownWindows normal windows, and an anomaly in the cooldown is the same incident, not a second page', () => {
    const cooldown = { ...config, cooldownWindows: 2 };
    // Fires at index 1; normal from index 2, so 3 + 2 = 5 normal windows end at index 6.
    expect(run('aa.....', cooldown)).toEqual(['1:firing', '6:resolved']);
    // Index 4 ends the 3 normal windows and starts the cooldown; index 5 is anomalous inside it:
    // no second firing. The count starts again at 6, so 5 normal windows end at index 10.
    expect(run('aa...a.....', cooldown)).toEqual(['1:firing', '10:resolved']);
    // Still the alert that began at index 0: same since, so the same alertId.
    let state = initialLifecycle();
    const phases: string[] = [];
    [...'aa...a'].forEach((v, i) => {
      state = stepLifecycle(state, { anomalous: v === 'a', critical: false, windowStart: Date.UTC(2024, 0, 1, 10, i) }, cooldown).state;
      phases.push(state.phase);
    });
    expect(phases).toEqual(['pending', 'firing', 'firing', 'firing', 'resolving', 'firing']);
    expect(state.since).toBe(Date.UTC(2024, 0, 1, 10, 0));
    expect(alertIdOf('event_count', 'campaign=c1|type=click', state.since!)).toBe('event_count:campaign=c1|type=click@2024-01-01T10:00:00.000Z');
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
        strength: { z: -9.14 },
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

  it('a count or rate test states its probability, not a z-score', () => {
    const facts: AlertFacts = {
      detector: 'click_rate',
      key: 'campaign=c7',
      dimensions: { campaign: 'c7' },
      metric: 'ctr',
      observed: 0.09,
      expected: 0.011,
      strength: { p: 2.3e-20 },
      score: 1,
      since: Date.UTC(2024, 0, 1, 10, 3),
      windowStart: Date.UTC(2024, 0, 1, 10, 3),
      windowEnd: Date.UTC(2024, 0, 1, 10, 4),
      severity: 'critical',
    };
    expect(buildAlert(facts, 'firing').summary).toContain('observed 0.0900 vs expected 0.0110 (p 2e-20) in window 10:03–10:04 UTC');
    expect(buildAlert({ ...facts, strength: { p: 0.347 } }, 'resolved').summary).toContain('(p 0.35)');
    expect(buildAlert({ ...facts, strength: { p: 0 } }, 'firing').summary).toContain('(p < 1e-300)');
  });
});
