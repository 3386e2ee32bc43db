import { describe, expect, it } from 'vitest';
import { MAX_STALE_IDS_PER_BUCKET, Deduplicator } from '../../../stream/pipeline/dedupe.ts';

const HOUR = 3_600_000;

describe('dedupe by event id', () => {
  it('passes the first sighting and flags repeats', () => {
    const dedupe = new Deduplicator(HOUR);
    expect(dedupe.firstSighting('a', 0)).toBe(true);
    expect(dedupe.firstSighting('b', 10)).toBe(true);
    expect(dedupe.firstSighting('a', 0)).toBe(false);
  });

  it('forgets ids older than the horizon, which bounds memory', () => {
    const dedupe = new Deduplicator(HOUR);
    for (let i = 0; i < 1000; i++) dedupe.firstSighting(`old-${i}`, i);
    dedupe.firstSighting('new', 3 * HOUR);
    expect(dedupe.size).toBe(1);
  });

  it('survives a snapshot and restore', () => {
    const dedupe = new Deduplicator(HOUR);
    dedupe.firstSighting('a', 5);
    const restored = Deduplicator.restore(JSON.parse(JSON.stringify(dedupe.snapshot())));
    expect(restored.firstSighting('a', 5)).toBe(false);
    expect(restored.firstSighting('b', 6)).toBe(true);
  });
});

describe('dedupe memory bound', () => {
  it('forgets whole buckets as event time moves on, with no call needed', () => {
    const dedupe = new Deduplicator(HOUR);
    for (let i = 0; i < 10_000; i++) dedupe.firstSighting(`a-${i}`, i * 100); // spread over ~17 minutes
    expect(dedupe.size).toBe(10_000);
    // Two hours later every bucket of the first 17 minutes is past the horizon.
    dedupe.firstSighting('later', 2 * HOUR + 20 * 60_000);
    expect(dedupe.size).toBe(1);
    // An event older than the horizon passes once and is kept as of the newest event time: its
    // retry, right behind it, is a duplicate (an offline device's events, a backfill).
    expect(dedupe.firstSighting('a-5', 500)).toBe(true);
    expect(dedupe.firstSighting('a-5', 500)).toBe(false);
    expect(dedupe.size).toBe(2);
    // It goes one horizon of newer events later, with the bucket it was kept in.
    dedupe.firstSighting('much-later', 4 * HOUR);
    expect(dedupe.size).toBe(1);
    expect(dedupe.firstSighting('a-5', 500)).toBe(true);
  });

  it('keeps at most MAX_STALE_IDS_PER_BUCKET ids of events older than the horizon while the newest event time stands still', () => {
    // A backfill of last month behind a stream gone quiet: the newest bucket never moves on.
    const dedupe = new Deduplicator(HOUR);
    dedupe.firstSighting('live', 40 * 24 * HOUR);
    for (let i = 0; i < MAX_STALE_IDS_PER_BUCKET + 1_000; i++) dedupe.firstSighting(`backfill-${i}`, i * 100);
    expect(dedupe.size).toBe(1 + MAX_STALE_IDS_PER_BUCKET);
    // Within the cap a retry is caught; past it the event passes as before.
    expect(dedupe.firstSighting('backfill-0', 0)).toBe(false);
    expect(dedupe.firstSighting(`backfill-${MAX_STALE_IDS_PER_BUCKET + 10}`, (MAX_STALE_IDS_PER_BUCKET + 10) * 100)).toBe(true);
  });

  it('the stale-id cap holds across a snapshot: a restored dedupe answers the backfill\'s retries as an uninterrupted one does', () => {
    // An operator review: a restore counted the cap from 0 again and kept 250,000 more stale ids,
    // so retries past the cap were duplicates after a restart and written twice without one.
    const backfill = (i: number): [string, number] => [`backfill-${i}`, i * 100];
    const total = MAX_STALE_IDS_PER_BUCKET + 1_000;
    const retries = (dedupe: Deduplicator) => Array.from({ length: 1_000 }, (_, k) => dedupe.firstSighting(...backfill(MAX_STALE_IDS_PER_BUCKET + k)));
    const whole = new Deduplicator(HOUR);
    whole.firstSighting('live', 40 * 24 * HOUR);
    for (let i = 0; i < total; i++) whole.firstSighting(...backfill(i));

    const before = new Deduplicator(HOUR);
    before.firstSighting('live', 40 * 24 * HOUR);
    const cut = MAX_STALE_IDS_PER_BUCKET / 2;
    for (let i = 0; i < cut; i++) before.firstSighting(...backfill(i));
    const restored = Deduplicator.restore(JSON.parse(JSON.stringify(before.snapshot({ inline: true }))));
    for (let i = cut; i < total; i++) restored.firstSighting(...backfill(i));

    expect(restored.size).toBe(whole.size);
    // Past the cap, so neither remembers them: every retry passes, in both.
    expect(retries(restored)).toEqual(retries(whole));
    expect(retries(whole).every(Boolean)).toBe(true);
  });

  it('still catches a repeat within the horizon that arrives after newer events', () => {
    const dedupe = new Deduplicator(HOUR);
    expect(dedupe.firstSighting('x', 0)).toBe(true);
    for (let i = 1; i <= 50; i++) dedupe.firstSighting(`y${i}`, i * 60_000); // 50 minutes later
    expect(dedupe.firstSighting('x', 0)).toBe(false);
  });

  it('catches repeats inside a 1 h horizon by less than one bucket (15 min): 56 min behind at 70 min, 51 min behind at 80 min', () => {
    // Buckets are a quarter of the horizon. Bucket [0, 15 min) holds ids up to 15 min older than
    // its start, so it may go only once the newest event is past 15 + 60 = 75 min; bucket
    // [15, 30 min) once it is past 90 min. A bucket dropped at start + 60 min instead (one
    // bucket early) would let these repeats pass again.
    const MINUTE = 60_000;
    const dedupe = new Deduplicator(HOUR);
    expect(dedupe.firstSighting('x', 14 * MINUTE)).toBe(true);
    expect(dedupe.firstSighting('z', 29 * MINUTE)).toBe(true);
    for (let m = 30; m <= 70; m++) expect(dedupe.firstSighting(`y${m}`, m * MINUTE)).toBe(true);
    expect(dedupe.firstSighting('x', 14 * MINUTE)).toBe(false);
    // At 75 min bucket [0, 15 min) goes, and only it.
    for (let m = 71; m <= 80; m++) expect(dedupe.firstSighting(`y${m}`, m * MINUTE)).toBe(true);
    expect(dedupe.firstSighting('z', 29 * MINUTE)).toBe(false);
  });

  it('holds 200k ids in at most 16 bytes each and survives a compact snapshot', () => {
    const dedupe = new Deduplicator(24 * HOUR);
    for (let i = 0; i < 200_000; i++) dedupe.firstSighting(`evt-${i}`, i * 400);
    expect(dedupe.size).toBe(200_000);
    expect(dedupe.bytes / dedupe.size).toBeLessThanOrEqual(16);
    const json = JSON.stringify(dedupe.snapshot());
    // base64 of 8 bytes per id ≈ 10.7 characters, plus a little framing.
    expect(json.length / 200_000).toBeLessThan(11);
    const restored = Deduplicator.restore(JSON.parse(json));
    expect(restored.firstSighting('evt-123456', 123_456 * 400)).toBe(false);
    expect(restored.firstSighting('evt-new', 80_000_000)).toBe(true);
  });

  it('under steady traffic for ten horizons keeps only the last horizon and a bucket of ids, and forgets older ones', () => {
    // One event a minute for 10 hours, 1 h horizon, 15 min buckets. After the last event (599 min)
    // the live buckets are those with start + 15 + 60 > 599 min: 525, 540, 555, 570 and 585 min,
    // holding the events of minutes 525..599, 75 ids (hand-computed). Every older bucket must have
    // gone as event time passed it, not all at once later.
    const MINUTE = 60_000;
    const dedupe = new Deduplicator(HOUR);
    for (let m = 0; m < 600; m++) {
      expect(dedupe.firstSighting(`e${m}`, m * MINUTE)).toBe(true);
      // At most five buckets of 15 ids are ever live at once.
      expect(dedupe.size).toBeLessThanOrEqual(75);
    }
    expect(dedupe.size).toBe(75);
    expect(dedupe.firstSighting('e530', 530 * MINUTE)).toBe(false);
  });

  it('a child absorbing a parent whose events are more than a horizon behind its own keeps only its live buckets', () => {
    // The left parent's events run 540..600 min, the right's 0..59 min (a backfill): every bucket
    // of the right one is past the child's horizon. Taking them in would need 5 + 4 bucket tags,
    // more than the table's 7, and would hold ids no retry can still be inside the horizon for.
    const MINUTE = 60_000;
    const left = new Deduplicator(HOUR);
    const right = new Deduplicator(HOUR);
    for (let m = 540; m <= 600; m++) left.firstSighting(`l${m}`, m * MINUTE);
    for (let m = 0; m < 60; m++) right.firstSighting(`r${m}`, m * MINUTE);
    const child = Deduplicator.restore(JSON.parse(JSON.stringify(left.snapshot())));
    child.absorb(Deduplicator.restore(right.snapshot()));
    expect(child.size).toBe(61);
    expect(child.firstSighting('l570', 570 * MINUTE)).toBe(false);
    expect(child.firstSighting('n', 601 * MINUTE)).toBe(true);
  });

  it('a child shard that absorbs its parents knows both parents’ ids', () => {
    const left = new Deduplicator(HOUR);
    const right = new Deduplicator(HOUR);
    left.firstSighting('l', 1_000);
    right.firstSighting('r', 2_000);
    const child = Deduplicator.restore(JSON.parse(JSON.stringify(left.snapshot())));
    child.absorb(Deduplicator.restore(right.snapshot()));
    expect(child.firstSighting('l', 1_000)).toBe(false);
    expect(child.firstSighting('r', 2_000)).toBe(false);
    expect(child.firstSighting('n', 3_000)).toBe(true);
  });
});
