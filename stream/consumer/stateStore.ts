/**
 * Snapshots of a shard's operator state, one object per checkpoint, in an ObjectStore (a local
 * directory by default, an S3 prefix in the cloud). The checkpoint item points at the snapshot
 * taken with it; older snapshots are deleted once a newer checkpoint is committed.
 *
 * The dedupe's ids, the bulk of a shard's state (8 bytes per id over the whole horizon), are not
 * in the snapshot object but in segment objects beside it, each written once and named by its
 * content; a snapshot names the segments it needs, and a checkpoint writes the ids taken in
 * since the last one, merged with a bucket's last small segments (dedupe.ts). Written whole, a
 * day's horizon at 700 records/s (60M ids) made a JSON text longer than V8 allows a string to
 * be, and every checkpoint failed.
 *
 * A snapshot superseded by a committed checkpoint is deleted, and the segments of its own shard
 * that the superseding snapshot does not name go one checkpoint later (`discard` says why), or
 * when the shard stops here (`release`). A child shard's snapshots may name its parents'
 * segments (dedupe follows lineage); those are never deleted from the child. A parent's final
 * snapshot, and its segments once no descendant's committed snapshot names them, go when its
 * children have state of their own (`removeEndedShard`, parentCleanup.ts).
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../config/load.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { DedupeSegment } from '../pipeline/dedupe.ts';
import type { ShardStateSnapshot, StoredShardStateSnapshot } from '../pipeline/shardState.ts';

/**
 * The lease table names a snapshot the state store does not hold: nearly always a worker started
 * with another state store than the workers before it (a relative `./data/state` from another
 * working directory), so the sentence says where it looked and how to point it back.
 */
export class MissingSnapshotError extends ConfigError {
  constructor(ref: string, location: string) {
    const local = !location.startsWith('s3://');
    super(
      `state snapshot ${ref}, which the lease table's checkpoint names, is not in the state store ${location}: start the worker with the state store the earlier runs wrote to (stateStore, environment ADSTREAM_STATE${local ? '; a relative path is taken from the working directory' : ''}), or give it another lease table to start over.`,
    );
  }
}

export class StateStore {
  /** The segment keys each snapshot saved or loaded here names, so discarding one needs no read. */
  private readonly segmentsOf = new Map<string, string[]>();
  /** Per shard's segment prefix, the segments its last discard dropped: deleted at its next one. */
  private readonly dropped = new Map<string, string[]>();
  /** Per snapshot loaded here, what the owner that saved it left to delete (`collectLeftovers`). */
  private readonly leftovers = new Map<string, string[]>();
  /** Segment keys of snapshots read for `removeEndedShard` (kept apart from `segmentsOf`, which says what this worker's own shards wrote). */
  private readonly foreign = new Map<string, string[]>();

  constructor(private readonly store: ObjectStore) {}

  /** Saves the snapshot and the dedupe segments it carries inline; returns its key and the saved form (every segment named by key). */
  async save(stream: string, shardId: string, sequenceNumber: string, snapshot: ShardStateSnapshot): Promise<{ ref: string; persisted: ShardStateSnapshot }> {
    const ref = `state/${stream}/${shardId}/${sequenceNumber}.json`;
    const buckets = [];
    for (const { start, segments } of snapshot.dedupe.buckets) {
      const saved: DedupeSegment[] = [];
      for (const segment of segments) saved.push({ saved: 'saved' in segment ? segment.saved : await this.putSegment(stream, shardId, start, segment.ids) });
      buckets.push({ start, segments: saved });
    }
    const persisted: ShardStateSnapshot = { ...snapshot, dedupe: { ...snapshot.dedupe, buckets } };
    const named = segmentKeys(persisted);
    const saved: SavedSnapshot = { ...persisted, leftovers: this.leftoversBefore(ref, named) };
    await this.store.put(ref, Buffer.from(JSON.stringify(saved)));
    this.segmentsOf.set(ref, named);
    return { ref, persisted };
  }

  /**
   * What the shard's own earlier snapshots, and the segments they alone named, leave to delete once
   * `ref` (naming `named`) is committed: what discards would delete over the next two checkpoints,
   * and what a stop would (`release`). Saved with `ref`, so that an owner that loads it after a
   * kill deletes them (`collectLeftovers`); in memory only, every kill left them for good.
   */
  private leftoversBefore(ref: string, named: string[]): string[] {
    const dir = shardDirOf(ref);
    const found = new Set(this.dropped.get(`${dir}dedupe/`) ?? []);
    for (const [other, segments] of this.segmentsOf) {
      if (other === ref || shardDirOf(other) !== dir) continue;
      found.add(other);
      for (const key of [...segments, ...(this.leftovers.get(other) ?? [])]) found.add(key);
    }
    const keep = new Set(named);
    return [...found].filter((key) => key !== ref && key.startsWith(dir) && !keep.has(key)).sort();
  }

  /** The snapshot with its dedupe segments' bytes attached, ready for ShardState.create. */
  async load(ref: string): Promise<StoredShardStateSnapshot> {
    const body = await this.store.get(ref);
    if (!body) throw new MissingSnapshotError(ref, this.store.location);
    const { leftovers, ...snapshot } = JSON.parse(Buffer.from(body).toString('utf8')) as SavedSnapshot;
    this.leftovers.set(ref, leftovers ?? []);
    // Snapshots from before segments (dedupe format 2) hold their ids inline.
    if (snapshot.dedupe.format !== 3) return snapshot;
    for (const { segments } of snapshot.dedupe.buckets) {
      for (const segment of segments) {
        if (!('saved' in segment)) continue;
        const bytes = await this.store.get(segment.saved);
        if (!bytes) throw new Error(`dedupe segment ${segment.saved} named by state snapshot ${ref} is missing from ${this.store.location}`);
        segment.bytes = bytes;
      }
    }
    this.segmentsOf.set(ref, segmentKeys(snapshot));
    return snapshot;
  }

  /**
   * Deletes a snapshot no checkpoint names any more, now that `supersededBy` (saved for the same
   * shard) is the one its checkpoint names, with the segments of its own shard that `supersededBy`
   * does not need.
   */
  async discard(ref: string, supersededBy: string): Promise<void> {
    const keep = new Set(await this.segmentKeysOf(supersededBy, true));
    const own = ownSegmentsOf(ref);
    // One discard late: a snapshot cut before the one that superseded `ref` was saved (replay cuts
    // the next commit point while writing this one) can still name what `ref` named. Every
    // snapshot cut after the next save builds on `supersededBy` or later, which the check
    // against `keep` covers.
    for (const key of this.dropped.get(own) ?? []) if (!keep.has(key)) await this.store.delete(key);
    this.dropped.set(own, (await this.segmentKeysOf(ref)).filter((key) => key.startsWith(own) && !keep.has(key)));
    await this.store.delete(ref);
    this.segmentsOf.delete(ref);
    this.leftovers.delete(ref);
  }

  /**
   * The shard stops here (its lease released, lost or ended, or a replay done), `ref` the snapshot
   * its checkpoint names: the segments its last discard dropped go now, since no snapshot will be
   * cut after `ref` here. Without this, whatever a stop left waiting (a whole expired bucket, up
   * to a quarter of the horizon's ids) stayed in the store for good. A later owner builds on `ref`
   * and writes only ids `ref` does not hold, so it never names one of these again.
   */
  async release(ref: string | undefined): Promise<void> {
    if (!ref) return;
    const own = ownSegmentsOf(ref);
    const waiting = this.dropped.get(own);
    if (!waiting) return;
    this.dropped.delete(own);
    await this.deleteUnneeded(ref, waiting);
  }

  /**
   * Deletes what the owner before left to delete with `ref`, its snapshot just loaded to go on
   * from (a restart or a takeover, never a parent's snapshot a child starts from): nothing cut
   * before `ref` is in flight any more, and an owner going on from `ref` writes only ids `ref`
   * does not hold, so it never names one of these again.
   */
  async collectLeftovers(ref: string): Promise<void> {
    await this.deleteUnneeded(ref, this.leftovers.get(ref) ?? []);
    this.leftovers.set(ref, []);
  }

  /** Deletes those of `keys` in `ref`'s own shard directory that `ref`, the committed snapshot, neither is nor names. */
  private async deleteUnneeded(ref: string, keys: string[]): Promise<void> {
    const keep = new Set(await this.segmentKeysOf(ref, true));
    const dir = shardDirOf(ref);
    for (const key of keys) if (key !== ref && key.startsWith(dir) && !keep.has(key)) await this.store.delete(key);
  }

  /**
   * Deletes every snapshot and segment under these shards' directories that none of `keep` (the
   * snapshots a checkpoint names, with what they name) needs: what a killed run saved and never
   * checkpointed too, which `collectLeftovers` cannot know of. Only for a store no other process
   * writes, a replay's: a worker's shard may have another owner writing meanwhile.
   */
  async sweep(stream: string, shardIds: string[], keep: string[]): Promise<void> {
    const needed = new Set(keep);
    for (const ref of keep) for (const key of await this.segmentKeysOf(ref, true)) needed.add(key);
    for (const shardId of shardIds) {
      for (const key of await this.store.list(`state/${stream}/${shardId}/`)) if (!needed.has(key)) await this.store.delete(key);
    }
  }

  /**
   * Deletes what an ended shard left in its directory (its snapshots, its dedupe segments) that
   * none of `descendantRefs` names: the committed snapshots of the shards that descend from it, the
   * only ones that can name its segments (dedupe follows lineage, and a child names the segments
   * it inherited until their bucket expires, for up to a horizon). Those it names stay, for a later
   * call. Returns whether nothing is left; false, deleting nothing, when one of `descendantRefs` is
   * gone already (superseded meanwhile: a later call reads the one that replaced it).
   */
  async removeEndedShard(stream: string, shardId: string, descendantRefs: readonly string[]): Promise<boolean> {
    const needed = new Set<string>();
    for (const ref of descendantRefs) {
      const named = this.segmentsOf.get(ref) ?? (await this.namedBy(ref));
      if (!named) return false;
      for (const key of named) needed.add(key);
    }
    let left = false;
    for (const key of await this.store.list(`state/${stream}/${shardId}/`)) {
      if (needed.has(key)) left = true;
      else await this.store.delete(key);
    }
    return !left;
  }

  /** The segment keys another worker's snapshot names (read once: a snapshot's object never changes), or undefined when it is gone. */
  private async namedBy(ref: string): Promise<string[] | undefined> {
    const cached = this.foreign.get(ref);
    if (cached) return cached;
    const body = await this.store.get(ref);
    if (!body) return undefined;
    const named = segmentKeys(JSON.parse(Buffer.from(body).toString('utf8')) as StoredShardStateSnapshot);
    // Bounded: a descendant commits a new snapshot every unit, and the old ones are never asked for again.
    if (this.foreign.size >= 1_000) this.foreign.clear();
    this.foreign.set(ref, named);
    return named;
  }

  private async putSegment(stream: string, shardId: string, start: number, ids: string): Promise<string> {
    const bytes = Buffer.from(ids, 'base64');
    // Named by content: a rewrite of the same ids is the same object, and two writers can only ever agree.
    const key = `state/${stream}/${shardId}/dedupe/${start}-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.ids`;
    await this.store.put(key, bytes);
    return key;
  }

  /** The segment keys a snapshot names; none for a snapshot already gone, unless it is `required`. */
  private async segmentKeysOf(ref: string, required = false): Promise<string[]> {
    const known = this.segmentsOf.get(ref);
    if (known) return known;
    const body = await this.store.get(ref);
    if (!body && required) throw new Error(`state snapshot ${ref} is missing from ${this.store.location}; nothing superseded by it is deleted`);
    return body ? segmentKeys(JSON.parse(Buffer.from(body).toString('utf8')) as StoredShardStateSnapshot) : [];
  }
}

/** The prefix of what a snapshot's own shard writes: its snapshots and, under `dedupe/`, its segments. */
const shardDirOf = (ref: string): string => ref.slice(0, ref.lastIndexOf('/') + 1);
const ownSegmentsOf = (ref: string): string => `${shardDirOf(ref)}dedupe/`;

/** A snapshot as its object holds it: with what is left to delete once it is committed. */
type SavedSnapshot = StoredShardStateSnapshot & { leftovers?: string[] };

function segmentKeys(snapshot: StoredShardStateSnapshot): string[] {
  if (snapshot.dedupe.format !== 3) return [];
  return snapshot.dedupe.buckets.flatMap(({ segments }) => segments.flatMap((segment) => ('saved' in segment ? [segment.saved] : [])));
}
