import { describe, expect, it } from 'vitest';
import { alertIdOf, buildAlert, formatDuration, initialLifecycle, stepLifecycle, type AlertFacts, type LifecycleConfig, type LifecycleEvent } from '../../detectors/alertLifecycle.ts';

const config = { firingAfter: 2, resolveAfter: 3 };

/** Runs verdicts ('.' normal, 'a' anomalous, 'C' critical, 'h' only holding an open alert open) and lists the events by window index. */
function run(verdicts: string, settings: LifecycleConfig = config): string[] {
  let state = initialLifecycle();
  const events: string[] = [];
  [...verdicts].forEach((v, i) => {
    const step = stepLifecycle(state, { anomalous: v !== '.', critical: v === 'C', windowStart: i * 60_000, holdsOpen: v === 'h' }, settings);
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

  it('windows of a cooldown count toward the next reminder: an incident back from resolving is reminded of on schedule', () => {
    // Fires at 1; 2..4 normal (the 3rd starts the cooldown at 4), 5 normal in the cooldown, 6
    // anomalous: back to firing, 5 windows after the firing notice, so the reminder is due there.
    const settings = { ...config, cooldownWindows: 2, renotifyWindows: 5 };
    expect(run('aa....aaa', settings)).toEqual(['1:firing', '6:renotified']);
  });

  it('a reminder due in a normal window waits for the next anomalous one, which it describes', () => {
    const renotify = { ...config, renotifyWindows: 3 };
    expect(run('aaa.a', renotify)).toEqual(['1:firing', '4:renotified']);
    expect(run('aaa..a...', renotify)).toEqual(['1:firing', '5:renotified', '8:resolved']);
  });

  it('a reminder due in a window that only holds the alert open waits for the next anomalous one; the alert stays open meanwhile', () => {
    const renotify = { ...config, renotifyWindows: 3 };
    // Fires at 1; due at 4, held at 4 and 5 (no reminder, no resolution: 3 such windows are not
    // 3 normal ones), sent at 6.
    expect(run('aaahhha...', renotify)).toEqual(['1:firing', '6:renotified', '9:resolved']);
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

  it('says a share as a percentage, a delay as a duration, and the stream or a shard in words', () => {
    const facts: AlertFacts = {
      detector: 'duplicate_rate',
      key: 'quality=stream',
      dimensions: { scope: 'stream', quality: 'stream' },
      metric: 'duplicates',
      unit: 'share',
      observed: 0.294,
      expected: 0.00976,
      strength: { p: 7e-177 },
      score: 1,
      since: Date.UTC(2024, 0, 1, 1, 53),
      windowStart: Date.UTC(2024, 0, 1, 1, 53),
      windowEnd: Date.UTC(2024, 0, 1, 1, 54),
      severity: 'critical',
    };
    expect(buildAlert(facts, 'firing').summary).toMatch(/^\[critical\] duplicates spiked for the whole stream: observed 29\.4 % vs expected 0\.976 % \(p 7e-177\)/);
    // 0.07 × 100 is 7.000000000000001 in binary floating point: still 7 %.
    expect(buildAlert({ ...facts, observed: 0.07, expected: 0 }, 'firing').summary).toContain('observed 7 % vs expected 0 %');
    const shard = { ...facts, key: 'quality=stream|shard=shardId-000000000002', dimensions: { quality: 'stream', shard: 'shardId-000000000002' } };
    expect(buildAlert(shard, 'resolved').summary).toContain('duplicates no longer anomalous for shard shardId-000000000002:');
    const delay = { ...facts, detector: 'ingestion_delay', metric: 'ingestion_delay_p99_ms', unit: 'ms' as const, observed: 337_856, expected: 0, strength: { z: 337.9 } };
    expect(buildAlert(delay, 'firing').summary).toContain('ingestion_delay_p99_ms spiked for the whole stream: observed 5 min 38 s vs expected 0 ms (z 337.9)');
  });

  it('writes durations at the scale a person would', () => {
    expect([850, 12_345, 60_000, 338_000, 3_600_000, 7_530_000, -2_500].map(formatDuration)).toEqual(['850 ms', '12.3 s', '1 min', '5 min 38 s', '1 h', '2 h 6 min', '-2.5 s']);
  });
});
