import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { StateStore } from '../../../stream/consumer/stateStore.ts';
import { MAX_SEGMENTS, SEGMENT_IDS, type DedupeSnapshot } from '../../../stream/pipeline/dedupe.ts';
import { ShardState, type ShardStateConfig, type StoredShardStateSnapshot } from '../../../stream/pipeline/shardState.ts';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;
const config: ShardStateConfig = {
  windows: { sizeMs: 60_000, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 },
  dedupeHorizonMs: HOUR,
  createDetector: () => ({ observe: () => [], snapshot: () => null }),
};

let dir: string;
let objects: LocalDirStore;
let store: StateStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-state-'));
  objects = new LocalDirStore(dir);
  store = new StateStore(objects);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Sees ids `from`..`to`-1, one a second of event time from T0 + `from` seconds. */
function see(state: ShardState, from: number, to: number): void {
  for (let i = from; i < to; i++) state.dedupe.firstSighting(`evt-${i}`, T0 + i * 1_000);
}

/** Saves a snapshot as commitBatch does and tells the state so. */
async function checkpoint(state: ShardState, sequence: string): Promise<string> {
  const taken = state.snapshot();
  const { ref, persisted } = await store.save('s', 'shard-1', sequence, taken);
  state.saved(taken, persisted);
  return ref;
}

const segmentKeys = async (): Promise<string[]> => objects.list('state/s/shard-1/dedupe/');

/**
 * An ended parent (shard-1, ids 0–49, its final snapshot saved) and its child (shard-2) started
 * from that snapshot and given ids 50–59; `takeChild` checkpoints the child at `sequence`.
 */
async function parentAndChild() {
  const parent = ShardState.create(config, 'shard-1');
  see(parent, 0, 50);
  const parentRef = await checkpoint(parent, 'final');
  const parentKeys = await segmentKeys();
  const child = ShardState.create(config, 'shard-2', await store.load(parentRef));
  see(child, 50, 60);
  const takeChild = async (sequence: string): Promise<string> => {
    const taken = child.snapshot();
    const { ref, persisted } = await store.save('s', 'shard-2', sequence, taken);
    child.saved(taken, persisted);
    return ref;
  };
  return { parentRef, parentKeys, child, takeChild };
}
/** The segments a loaded snapshot names (format 3). */
const loadedSegments = (snapshot: StoredShardStateSnapshot) => (snapshot.dedupe.format === 3 ? snapshot.dedupe.buckets.flatMap((b) => b.segments) : []);
const inlineIds = (snapshot: DedupeSnapshot): number =>
  snapshot.buckets.flatMap((b) => b.segments).reduce((sum, s) => sum + ('ids' in s ? Buffer.from(s.ids, 'base64').length / 8 : 0), 0);

describe('state snapshots with the dedupe ids in segments', () => {
  it('a checkpoint writes only the ids taken in since the last one, and a restore knows them all', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 2_000);
    await checkpoint(state, '1');
    const first = await segmentKeys();
    see(state, 2_000, 2_010);
    const next = state.snapshot();
    // 10 new ids inline; the 2,000 before are named, not written again.
    expect(inlineIds(next.dedupe)).toBe(10);
    expect(next.dedupe.buckets.flatMap((b) => b.segments).filter((s) => 'saved' in s).map((s) => ('saved' in s ? s.saved : '')).sort()).toEqual(first);
    const { ref, persisted } = await store.save('s', 'shard-1', '2', next);
    state.saved(next, persisted);
    const added = (await segmentKeys()).filter((key) => !first.includes(key));
    expect(added).toHaveLength(1);
    expect((await stat(join(dir, ...added[0].split('/')))).size).toBe(10 * 8);
    // The snapshot object itself holds no ids.
    expect((await stat(join(dir, ...ref.split('/')))).size).toBeLessThan(2_000);

    const restored = ShardState.create(config, 'shard-1', await store.load(ref));
    for (const i of [0, 999, 2_009]) expect(restored.dedupe.firstSighting(`evt-${i}`, T0 + i * 1_000)).toBe(false);
    expect(restored.dedupe.firstSighting('evt-new', T0 + 2_010_000)).toBe(true);
    // Restored from saved segments, it goes on naming them: only the new id is inline.
    expect(inlineIds(restored.snapshot().dedupe)).toBe(1);
  });

  it('discarding a superseded snapshot deletes only the segments the new one does not name', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 100);
    const older = await checkpoint(state, '1');
    see(state, 100, 110);
    const newer = await checkpoint(state, '2');
    const before = await segmentKeys();
    await store.discard(older, newer);
    expect(await objects.get(older)).toBeUndefined();
    // Both segments are named by the newer snapshot: nothing of the dedupe goes.
    expect(await segmentKeys()).toEqual(before);
    const restored = ShardState.create(config, 'shard-1', await store.load(newer));
    expect(restored.dedupe.firstSighting('evt-5', T0 + 5_000)).toBe(false);
    expect(restored.dedupe.firstSighting('evt-105', T0 + 105_000)).toBe(false);
  });

  /**
   * A shard whose first buckets expire: checkpoint 1 (`older`) names their segments (`early`),
   * checkpoint 2 (`newer`, three hours of event time later) does not.
   */
  async function expiredBucketsCheckpointed(): Promise<{ state: ShardState; early: string[]; older: string; newer: string }> {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 100);
    const older = await checkpoint(state, '1');
    const early = await segmentKeys();
    // Three hours later the first buckets are past the one-hour horizon.
    state.dedupe.firstSighting('late', T0 + 3 * HOUR);
    const newer = await checkpoint(state, '2');
    return { state, early, older, newer };
  }

  /** The same, and the discard of checkpoint 1 leaves `early` waiting, as a snapshot cut meanwhile may still name them. */
  async function expiredBucketsWaiting(): Promise<{ state: ShardState; early: string[]; newer: string }> {
    const { state, early, older, newer } = await expiredBucketsCheckpointed();
    await store.discard(older, newer);
    expect(await segmentKeys()).toEqual(expect.arrayContaining(early));
    return { state, early, newer };
  }

  it('segments of expired buckets are deleted one checkpoint after the last snapshot that named them', async () => {
    const { state, early, newer } = await expiredBucketsWaiting();
    state.dedupe.firstSighting('later', T0 + 3 * HOUR + 1);
    const newest = await checkpoint(state, '3');
    await store.discard(newer, newest);
    const left = await segmentKeys();
    for (const key of early) expect(left).not.toContain(key);
    expect(ShardState.create(config, 'shard-1', await store.load(newest)).dedupe.size).toBe(2);
  });

  it('a shard that stops deletes the segments its last checkpoint left waiting, and its snapshot still restores', async () => {
    const { early, newer } = await expiredBucketsWaiting();
    // No further checkpoint comes: the lease is released, the replay is done.
    await store.release(newer);
    const left = await segmentKeys();
    for (const key of early) expect(left).not.toContain(key);
    expect(left).toHaveLength(1);
    const restored = ShardState.create(config, 'shard-1', await store.load(newer));
    expect(restored.dedupe.firstSighting('late', T0 + 3 * HOUR)).toBe(false);
    // A second stop, or one of a shard that never checkpointed, deletes nothing.
    await store.release(newer);
    await store.release(undefined);
    expect(await segmentKeys()).toEqual(left);
  });

  it('what a killed owner left to delete goes when the next owner loads its last committed snapshot', async () => {
    // Killed after the discard that left the expired buckets' segments waiting.
    const { early, newer } = await expiredBucketsWaiting();
    const next = new StateStore(objects);
    const restored = ShardState.create(config, 'shard-1', await next.load(newer));
    await next.collectLeftovers(newer);
    const left = await segmentKeys();
    for (const key of early) expect(left).not.toContain(key);
    expect(left).toHaveLength(1);
    expect(restored.dedupe.firstSighting('late', T0 + 3 * HOUR)).toBe(false);
    expect(ShardState.create(config, 'shard-1', await next.load(newer)).dedupe.size).toBe(1);
  });

  it('what a checkpoint supersedes goes when the next owner loads it, if its owner was killed before discarding', async () => {
    // The checkpoint moves to `newer`, and the owner dies before `discard(older, newer)`.
    const { early, older, newer } = await expiredBucketsCheckpointed();
    const next = new StateStore(objects);
    await next.load(newer);
    await next.collectLeftovers(newer);
    expect(await objects.get(older)).toBeUndefined();
    expect(await objects.get(newer)).toBeDefined();
    const left = await segmentKeys();
    for (const key of early) expect(left).not.toContain(key);
    expect(ShardState.create(config, 'shard-1', await next.load(newer)).dedupe.size).toBe(1);
  });

  it('leftovers never include what the committed snapshot names, however many owners came before', async () => {
    let owner = store;
    let state = ShardState.create(config, 'shard-1');
    let ref = '';
    for (let round = 0; round < 6; round++) {
      // Each owner checkpoints twice, discards once, and is killed; the next loads and goes on.
      see(state, round * 50, round * 50 + 25);
      const first = await checkpoint(state, `${round}a`);
      if (ref) await owner.discard(ref, first);
      see(state, round * 50 + 25, round * 50 + 50);
      const taken = state.snapshot();
      const saved = await owner.save('s', 'shard-1', `${round}b`, taken);
      state.saved(taken, saved.persisted);
      ref = saved.ref;
      owner = new StateStore(objects);
      store = owner;
      state = ShardState.create(config, 'shard-1', await owner.load(ref));
      await owner.collectLeftovers(ref);
    }
    expect(state.dedupe.size).toBe(300);
    const snapshots = (await objects.list('state/s/shard-1/')).filter((key) => key.endsWith('.json'));
    expect(snapshots).toEqual([ref]);
    const named = new Set(loadedSegments(await store.load(ref)).map((segment) => ('saved' in segment ? segment.saved : '')));
    expect(new Set(await segmentKeys())).toEqual(named);
  });

  it('snapshots cut while earlier ones are being written and discarded all restore every id (replay’s commit points)', async () => {
    // Replay cuts commit point n+1 while n is written: a snapshot can be built on a base that
    // the next save has already superseded. Every saved snapshot must still load.
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 10);
    let committed = await checkpoint(state, '1');
    let inFlight: { sequence: string; taken: ReturnType<ShardState['snapshot']>; upTo: number } | undefined;
    let seen = 10;
    for (let point = 2; point <= 40; point++) {
      see(state, seen, seen + 10);
      seen += 10;
      const cut = { sequence: String(point), taken: state.snapshot(), upTo: seen };
      if (inFlight) {
        const { ref, persisted } = await store.save('s', 'shard-1', inFlight.sequence, inFlight.taken);
        state.saved(inFlight.taken, persisted);
        await store.discard(committed, ref);
        committed = ref;
        const restored = ShardState.create(config, 'shard-1', await store.load(ref));
        expect(restored.dedupe.size).toBe(inFlight.upTo);
      }
      inFlight = cut;
    }
  });

  it('a bucket checkpointed after every few ids keeps few segments, and writes each id a few times, not once per checkpoint', async () => {
    const state = ShardState.create(config, 'shard-1');
    let ref = '';
    let written = 0;
    const checkpoints = 300;
    for (let k = 0; k < checkpoints; k++) {
      see(state, 3 * k, 3 * k + 3);
      const taken = state.snapshot();
      written += inlineIds(taken.dedupe);
      const saved = await store.save('s', 'shard-1', String(k), taken);
      state.saved(taken, saved.persisted);
      if (ref) await store.discard(ref, saved.ref);
      ref = saved.ref;
    }
    const ids = 3 * checkpoints;
    const loaded = await store.load(ref);
    // Merged like a binary counter: about log2(checkpoints) segments, each id rewritten about as often.
    expect(loadedSegments(loaded).length).toBeLessThanOrEqual(Math.ceil(Math.log2(checkpoints)) + 1);
    expect(written).toBeLessThanOrEqual(ids * (Math.ceil(Math.log2(checkpoints)) + 1));
    expect(written).toBeLessThan((ids * checkpoints) / 20);
    const restored = ShardState.create(config, 'shard-1', loaded);
    expect(restored.dedupe.size).toBe(ids);
    for (let i = 0; i < ids; i++) expect(restored.dedupe.firstSighting(`evt-${i}`, T0 + i * 1_000)).toBe(false);
  });

  it('a child that absorbed a second parent after restoring from saved segments saves and restores both parents’ ids', async () => {
    const left = ShardState.create(config, 'shard-1');
    see(left, 0, 20);
    const leftRef = await checkpoint(left, 'final');
    const right = ShardState.create(config, 'shard-9');
    right.dedupe.firstSighting('right-only', T0 + 5_000);
    const child = ShardState.create(config, 'shard-2', await store.load(leftRef));
    child.dedupe.absorb(right.dedupe);
    const taken = child.snapshot();
    const { ref } = await store.save('s', 'shard-2', '1', taken);
    const restored = ShardState.create(config, 'shard-2', await store.load(ref));
    expect(restored.dedupe.size).toBe(21);
    expect(restored.dedupe.firstSighting('right-only', T0 + 5_000)).toBe(false);
    expect(restored.dedupe.firstSighting('evt-7', T0 + 7_000)).toBe(false);
  });

  it('a bucket saved at every id stays within the most segments, and the restore is exact', async () => {
    const state = ShardState.create(config, 'shard-1');
    let ref = '';
    // One id per checkpoint, all in one bucket: a segment each, until the bucket is rewritten.
    for (let k = 0; k <= MAX_SEGMENTS; k++) {
      see(state, k, k + 1);
      const previous = ref;
      ref = await checkpoint(state, String(k));
      if (previous) await store.discard(previous, ref);
    }
    const loaded = await store.load(ref);
    const segments = loadedSegments(loaded);
    expect(segments.length).toBeLessThanOrEqual(MAX_SEGMENTS);
    const restored = ShardState.create(config, 'shard-1', loaded);
    for (let k = 0; k <= MAX_SEGMENTS; k++) expect(restored.dedupe.firstSighting(`evt-${k}`, T0 + k * 1_000)).toBe(false);
    expect(restored.dedupe.size).toBe(MAX_SEGMENTS + 1);
  });

  it('a child shard names its parent’s segments and never deletes them', async () => {
    const { parentRef, parentKeys, child, takeChild } = await parentAndChild();
    const first = await takeChild('1');
    // The parent's first bucket expires for the child: its next snapshot no longer names it.
    child.dedupe.firstSighting('much-later', T0 + 3 * HOUR);
    const second = await takeChild('2');
    await store.discard(first, second);
    expect(await segmentKeys()).toEqual(parentKeys);
    expect(ShardState.create(config, 'shard-1', await store.load(parentRef)).dedupe.size).toBe(50);
  });

  it('an ended parent\'s cleanup given a child snapshot that is gone meanwhile deletes nothing, and the child\'s newer snapshot still restores', async () => {
    const { parentKeys, takeChild } = await parentAndChild();
    const first = await takeChild('1');
    const second = await takeChild('2');
    await store.discard(first, second);
    // Another worker's cleanup read the child's lease before its second checkpoint: it names `first`.
    expect(await new StateStore(objects).removeEndedShard('s', 'shard-1', [first])).toBe(false);
    expect(await segmentKeys()).toEqual(parentKeys);
    // The child's committed snapshot names the parent's segments: 50 of its ids and its own 10.
    expect(ShardState.create(config, 'shard-2', await new StateStore(objects).load(second)).dedupe.size).toBe(60);
  });

  it('a sweep after a killed run deletes the snapshot no checkpoint names and keeps the segments the checkpointed one names', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 100);
    const kept = await checkpoint(state, '1');
    see(state, 100, 110);
    const unnamed = await checkpoint(state, '2');
    await store.sweep('s', ['shard-1'], [kept]);
    expect(await objects.get(unnamed)).toBeFalsy();
    expect(ShardState.create(config, 'shard-1', await new StateStore(objects).load(kept)).dedupe.size).toBe(100);
  });

  it('ids taken in past the journal\'s first growth (more than 1,024 between checkpoints) are all in the next checkpoint', async () => {
    // After the first checkpoint the ids come back from the journal: 3,000 more grow it twice.
    // Restored, the state knows every one of the 3,100 ids: a retry of any is a duplicate.
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 100);
    await checkpoint(state, '1');
    see(state, 100, 3_100);
    const ref = await checkpoint(state, '2');
    const restored = ShardState.create(config, 'shard-1', await new StateStore(objects).load(ref));
    expect(restored.dedupe.size).toBe(3_100);
    let unknown = 0;
    for (let i = 0; i < 3_100; i++) if (restored.dedupe.firstSighting(`evt-${i}`, T0 + i * 1_000)) unknown += 1;
    expect(unknown).toBe(0);
  });

  it('a snapshot taken before the previous one is saved still holds every id (commits written while processing goes on)', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 100);
    const a = state.snapshot();
    see(state, 100, 120);
    const b = state.snapshot();
    const savedA = await store.save('s', 'shard-1', '1', a);
    state.saved(a, savedA.persisted);
    const savedB = await store.save('s', 'shard-1', '2', b);
    state.saved(b, savedB.persisted);
    see(state, 120, 125);
    const c = state.snapshot();
    expect(inlineIds(c.dedupe)).toBe(5);
    const savedC = await store.save('s', 'shard-1', '3', c);
    await store.discard(savedA.ref, savedB.ref);
    await store.discard(savedB.ref, savedC.ref);
    const restored = ShardState.create(config, 'shard-1', await store.load(savedC.ref));
    expect(restored.dedupe.size).toBe(125);
    for (let i = 0; i < 125; i++) expect(restored.dedupe.firstSighting(`evt-${i}`, T0 + i * 1_000)).toBe(false);
  });

  it('an acknowledgement arriving after a newer one changes nothing', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 10);
    const a = state.snapshot();
    see(state, 10, 20);
    const b = state.snapshot();
    const savedA = await store.save('s', 'shard-1', '1', a);
    const savedB = await store.save('s', 'shard-1', '2', b);
    state.saved(b, savedB.persisted);
    state.saved(a, savedA.persisted);
    see(state, 20, 21);
    const c = state.snapshot();
    expect(inlineIds(c.dedupe)).toBe(1);
    const { ref } = await store.save('s', 'shard-1', '3', c);
    expect(ShardState.create(config, 'shard-1', await store.load(ref)).dedupe.size).toBe(21);
  });

  it('restores a snapshot saved before segments (dedupe format 2, ids inline)', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 3);
    const inline = state.snapshot({ inline: true });
    // Format 2 held one base64 string per bucket.
    const buckets = inline.dedupe.buckets.map((b) => ({ start: b.start, ids: Buffer.concat(b.segments.map((s) => Buffer.from('ids' in s ? s.ids : '', 'base64'))).toString('base64') }));
    const legacy = { ...inline, dedupe: { format: 2, horizonMs: HOUR, bucketMs: HOUR / 4, newestEventTime: T0 + 2_000, buckets } };
    await objects.put('state/s/shard-1/old.json', Buffer.from(JSON.stringify(legacy)));
    const restored = ShardState.create(config, 'shard-1', await store.load('state/s/shard-1/old.json'));
    expect(restored.dedupe.firstSighting('evt-1', T0 + 1_000)).toBe(false);
    // Nothing of it is saved as segments yet: the first snapshot after it is whole.
    expect(inlineIds(restored.snapshot().dedupe)).toBe(3);
  });

  it('says which segment is missing instead of restoring a dedupe that forgot ids', async () => {
    const state = ShardState.create(config, 'shard-1');
    see(state, 0, 10);
    const ref = await checkpoint(state, '1');
    const [key] = await segmentKeys();
    await objects.delete(key);
    await expect(store.load(ref)).rejects.toThrow(`dedupe segment ${key} named by state snapshot ${ref} is missing`);
  });

  it('keeps a segment to at most SEGMENT_IDS ids', async () => {
    const state = ShardState.create({ ...config, dedupeHorizonMs: 24 * HOUR }, 'shard-1');
    for (let i = 0; i < SEGMENT_IDS + 3; i++) state.dedupe.firstSighting(`e${i}`, T0);
    const snapshot = state.snapshot();
    const sizes = snapshot.dedupe.buckets.flatMap((b) => b.segments).map((s) => ('ids' in s ? Buffer.from(s.ids, 'base64').length / 8 : 0));
    expect(sizes).toEqual([SEGMENT_IDS, 3]);
  });
});
