/**
 * Snapshots of a shard's operator state, one object per checkpoint, in an ObjectStore (a local
 * directory by default, an S3 prefix in the cloud). The checkpoint item points at the snapshot
 * taken with it; older snapshots are deleted once a newer checkpoint is committed.
 */
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { ShardStateSnapshot } from '../pipeline/shardState.ts';

export class StateStore {
  constructor(private readonly store: ObjectStore) {}

  async save(stream: string, shardId: string, sequenceNumber: string, snapshot: ShardStateSnapshot): Promise<string> {
    const ref = `state/${stream}/${shardId}/${sequenceNumber}.json`;
    await this.store.put(ref, Buffer.from(JSON.stringify(snapshot)));
    return ref;
  }

  async load(ref: string): Promise<ShardStateSnapshot> {
    const body = await this.store.get(ref);
    if (!body) throw new Error(`state snapshot ${ref} named by the checkpoint is missing from ${this.store.location}`);
    return JSON.parse(Buffer.from(body).toString('utf8')) as ShardStateSnapshot;
  }

  /** Deletes a snapshot no checkpoint names any more. */
  async discard(ref: string): Promise<void> {
    await this.store.delete(ref);
  }
}
