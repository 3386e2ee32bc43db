/**
 * Merging one window's partials from several shards (the stream-wide merge, or a reshard's parent
 * and child): the merged window's quality and funnel must count what every partial held.
 * Expected values are counted by hand from the records below.
 */
import { describe, expect, it } from 'vitest';
import { hash64 } from '../../../stream/pipeline/aggregates/hash64.ts';
import { WindowAccumulator } from '../../../stream/pipeline/windowAccumulator.ts';
import { click } from '../events/eventFixtures.ts';

const MINUTE = 60_000;
const roundTrip = (window: WindowAccumulator): WindowAccumulator => WindowAccumulator.restore(JSON.parse(JSON.stringify(window.snapshot())));

describe('a window merged from two shards\' partials', () => {
  it('reports the stream\'s quality over both: valid and late summed, arrival delays of all records', () => {
    // Shard s0: 5 valid, 2 late, arrival delays 1 s and 2 s; shard s1: 3 valid, 4 late, 5 s and 9 s.
    // Stream: 8 valid, 6 late; delays 1, 2, 5, 9 s: nearest-rank p50 = 2nd = 2 s, p99 = 4th = 9 s.
    const a = new WindowAccumulator(0, MINUTE);
    const b = new WindowAccumulator(0, MINUTE);
    Object.assign(a.qualityOf('s0'), { valid: 5, late: 2 });
    Object.assign(b.qualityOf('s1'), { valid: 3, late: 4 });
    [1_000, 2_000].forEach((ms) => a.qualityOf('s0').arrivalDelays.accept(ms));
    [5_000, 9_000].forEach((ms) => b.qualityOf('s1').arrivalDelays.accept(ms));
    const merged = roundTrip(a);
    merged.merge(roundTrip(b));
    const values = merged.streamQuality(MINUTE)?.values;
    expect(values).toMatchObject({ valid: 8, late: 6, rejected: 0, duplicates: 0 });
    // DDSketch answers within its 1 % relative accuracy.
    expect(Math.abs((values?.arrival_delay_p50_ms ?? 0) - 2_000)).toBeLessThanOrEqual(20);
    expect(Math.abs((values?.arrival_delay_p99_ms ?? 0) - 9_000)).toBeLessThanOrEqual(90);
  });

  it('counts the orphan clicks of both partials of a campaign once the merged window resolves its references', () => {
    // Both shards saw a click of campaign c-7 in the window: s0's refers to imp-seen, s1's to
    // imp-lost, an impression nobody saw. The merged window has 2 clicks, 1 of them an orphan.
    const a = new WindowAccumulator(0, MINUTE);
    const b = new WindowAccumulator(0, MINUTE);
    a.addEvent({ type: 'click', body: click({ event_id: 'k1', impression_id: 'imp-seen' }) }, [['campaign']]);
    b.addEvent({ type: 'click', body: click({ event_id: 'k2', impression_id: 'imp-lost' }) }, [['campaign']]);
    const merged = roundTrip(a);
    merged.merge(roundTrip(b));
    const seen = hash64('imp-seen');
    merged.resolveReferences({ seenHash: (hi, lo) => hi === seen.hi && lo === seen.lo });
    const campaign = merged.metrics(MINUTE).find((m) => m.key === 'campaign=c-7');
    expect(campaign?.values).toMatchObject({ clicks: 2, orphan_clicks: 1, orphan_conversions: 0 });
  });
});
