/**
 * A worker restarted under its old id (it crashed holding shards) next to a healthy worker: it
 * takes back its own shards, and takes nothing from the healthy one. The leases in its name are
 * counted as its own while it waits to see nobody renews them; counted as a third worker's, they
 * made it steal from the healthy worker and leave one of its own shards unread.
 * On an in-memory lease table with the conditional writes of the real one, and a hand-run clock.
 */
import { describe, expect, it } from 'vitest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { LeaseCoordinator } from '../../../stream/consumer/leases/leaseCoordinator.ts';
import { LeaseLostError, type LeaseTable } from '../../../stream/consumer/leases/leaseTable.ts';
import type { Lease } from '../../../stream/consumer/leases/lease.ts';

interface Change {
  owner?: string;
  observedOwner?: string | null;
  set?: { leaseOwner?: { S: string } };
  remove?: string[];
}

function memoryTable(rows: Map<string, Lease>) {
  const update = async (key: string, expected: number, op: string, change: Change): Promise<Lease> => {
    const lease = rows.get(key)!;
    if (lease.leaseCounter !== expected) throw new LeaseLostError(key, op);
    if (change.owner !== undefined && lease.leaseOwner !== change.owner) throw new LeaseLostError(key, op);
    if (change.observedOwner !== undefined && (lease.leaseOwner ?? null) !== change.observedOwner) throw new LeaseLostError(key, op);
    const next: Lease = { ...lease, leaseCounter: lease.leaseCounter + 1 };
    if (change.set?.leaseOwner) next.leaseOwner = change.set.leaseOwner.S;
    for (const attribute of change.remove ?? []) delete (next as unknown as Record<string, unknown>)[attribute];
    rows.set(key, next);
    return { ...next };
  };
  return {
    list: async () => [...rows.values()].map((lease) => ({ ...lease })).sort((a, b) => a.leaseKey.localeCompare(b.leaseKey)),
    update,
    take: (lease: Lease, workerId: string) => update(lease.leaseKey, lease.leaseCounter, 'take', { observedOwner: lease.leaseOwner ?? null, set: { leaseOwner: { S: workerId } } }),
  } as unknown as LeaseTable;
}

const lease = (leaseKey: string, leaseOwner: string): Lease => ({ leaseKey, leaseOwner, leaseCounter: 5, checkpoint: 'TRIM_HORIZON', checkpointSubSequenceNumber: 0, ownerSwitchesSinceCheckpoint: 0, parentShardIds: [], childShardIds: [] });

describe('a worker restarted under its old id', () => {
  it('takes back its own shards once nobody renews them, and steals nothing from a healthy worker', async () => {
    const rows = new Map([lease('s0', 'worker-b'), lease('s1', 'worker-b'), lease('s2', 'worker-a'), lease('s3', 'worker-a')].map((l) => [l.leaseKey, l]));
    let now = 1_000_000;
    const events: string[] = [];
    const details: string[] = [];
    const restarted = new LeaseCoordinator({
      table: memoryTable(rows),
      kinesis: { send: async () => ({ Shards: [] }) } as unknown as KinesisClient,
      streamName: 'x',
      workerId: 'worker-a',
      failoverTimeMs: 10_000,
      shardSyncIntervalMs: 60_000,
      now: () => now,
      onAcquired: () => {},
      onLost: () => {},
      onEvent: (event) => {
        events.push(`${event.name} ${event.shardId ?? ''}`);
        if (event.detail) details.push(event.detail);
      },
    });
    for (let tick = 0; tick < 4; tick++) {
      for (const l of rows.values()) if (l.leaseOwner === 'worker-b') l.leaseCounter += 1; // the healthy worker renews
      await restarted.tick();
      now += restarted.intervalMs;
    }
    // Said once, at the first scan, so the wait does not look like a hang: two renewal intervals of 3,333 ms.
    expect(events).toEqual(['consumer.own_leases_waiting ', 'consumer.lease_taken s2', 'consumer.lease_taken s3']);
    expect(details[0]).toBe(
      `2 leases in worker id "worker-a"'s name that this process does not hold (s2, s3): left by an earlier run under this id, most likely (killed before it released them); taken back once nobody has renewed them for 6.7 s.`,
    );
    expect([...rows.values()].map((l) => `${l.leaseKey}:${l.leaseOwner}`)).toEqual(['s0:worker-b', 's1:worker-b', 's2:worker-a', 's3:worker-a']);
  });
});
