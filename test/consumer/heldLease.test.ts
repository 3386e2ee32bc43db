/**
 * A held lease counts as ours only while another worker cannot have taken it: until failoverTimeMs
 * after the last of its writes that succeeded was sent (others take a lease whose counter has
 * stood still that long). Real lease table (dynalite), injected clock.
 */
import { freshLease, localLeaseTable } from '../support/leaseTables.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeldLease } from '../../stream/consumer/leases/heldLease.ts';
import { LeaseLostError, LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';

const FAILOVER_MS = 10_000;
let services: LocalServices;
let tables = 0;

beforeAll(async () => {
  services = await startLocalServices();
});
afterAll(async () => {
  await services?.stop();
});

async function takenLease(clock: { now: number }): Promise<{ held: HeldLease; table: LeaseTable }> {
  const table = await localLeaseTable(services, `held-lease-${++tables}`, [freshLease('shardId-000000000000')]);
  const takenAt = clock.now;
  const taken = await table.take((await table.get('shardId-000000000000'))!, 'worker-a');
  return { held: new HeldLease(table, taken, 'worker-a', { now: () => clock.now, failoverTimeMs: FAILOVER_MS, takenAt }), table };
}

describe('HeldLease', () => {
  it('is ours until failoverTimeMs after its last write was sent; a worker paused past that stops before any effect, and its renewal writes nothing', async () => {
    const clock = { now: 0 };
    const { held, table } = await takenLease(clock);
    clock.now = FAILOVER_MS - 1;
    expect(() => held.ensureHeld()).not.toThrow();
    // A renewal sent at 9,999 ms counts from when it was sent, whenever its answer comes.
    const renewal = held.renew();
    await new Promise((resolve) => setImmediate(resolve)); // sent
    clock.now = FAILOVER_MS + 5_000;
    await renewal;
    expect(() => held.ensureHeld()).not.toThrow();
    // Paused (no renewal) for failoverTimeMs since then: another worker may hold it now.
    clock.now = 2 * FAILOVER_MS - 1;
    expect(() => held.ensureHeld()).toThrow(LeaseLostError);
    expect(held.isLost).toBe(true);
    expect(held.signal.aborted).toBe(true);
    const counter = (await table.get('shardId-000000000000'))!.leaseCounter;
    await expect(held.renew()).rejects.toThrow(LeaseLostError);
    expect((await table.get('shardId-000000000000'))!.leaseCounter).toBe(counter);
  });

  it('without an expiry (a caller that renews on its own terms) only a write that finds the counter moved loses it', async () => {
    const clock = { now: 0 };
    const { table } = await takenLease(clock);
    const lease = (await table.get('shardId-000000000000'))!;
    const held = new HeldLease(table, lease, 'worker-a');
    clock.now = 10 * FAILOVER_MS;
    expect(() => held.ensureHeld()).not.toThrow();
    await table.take(lease, 'worker-b');
    await expect(held.renew()).rejects.toThrow(LeaseLostError);
    expect(() => held.ensureHeld()).toThrow(LeaseLostError);
  });
});

describe('LeaseTable fenced writes', () => {
  it('a write with a counter the lease has moved past fails even from its owner, and leaves the newer checkpoint', async () => {
    // Two processes under one worker id (a restarted worker whose old process was only paused)
    // hold the same lease as they read it: the newer checkpoint stands; the stale one, at an older
    // sequence number, would make the next owner read 100 records again.
    const table = await localLeaseTable(services, `held-lease-${++tables}`, [freshLease('shardId-000000000000')]);
    const taken = await table.take((await table.get('shardId-000000000000'))!, 'worker-a');
    await table.update(taken.leaseKey, taken.leaseCounter, 'checkpoint', { owner: 'worker-a', set: { checkpoint: { S: '200' } } });
    await expect(table.update(taken.leaseKey, taken.leaseCounter, 'checkpoint', { owner: 'worker-a', set: { checkpoint: { S: '100' } } })).rejects.toThrow(LeaseLostError);
    expect((await table.get('shardId-000000000000'))!.checkpoint).toBe('200');
  });
});
