/**
 * Which leases a worker takes on one scan (leaseTaker.ts decideTakes), on hand-made lease lists:
 * parents before children, a released lease before an expired one, and the steal that evens the
 * load. Expected takes are worked out by hand from the rules in leaseTaker.ts.
 */
import { describe, expect, it } from 'vitest';
import { SHARD_END, type Lease } from '../../stream/consumer/leases/lease.ts';
import { decideTakes } from '../../stream/consumer/leases/leaseTaker.ts';
import { freshLease } from '../support/leaseTables.ts';

const lease = (leaseKey: string, changes: Partial<Lease> = {}): Lease => ({ ...freshLease(leaseKey), ...changes });
const keys = (leases: readonly Lease[]): string[] => leases.map((l) => l.leaseKey);
const never = () => false;

describe('the leases a worker takes', () => {
  it('leaves a child shard until its parent has been read to its end', () => {
    const parentReading = lease('P', { checkpoint: '100', leaseOwner: 'other' });
    const child = lease('C', { parentShardIds: ['P'] });
    // The parent is owned and live; the child is not processable yet: nothing to take.
    expect(keys(decideTakes([parentReading, child], 'me', never).take)).toEqual([]);
    // The parent at SHARD_END: the child is free and taken.
    expect(keys(decideTakes([{ ...parentReading, checkpoint: SHARD_END }, child], 'me', never).take)).toEqual(['C']);
  });

  it('takes a released lease before an expired one', () => {
    // Mine: W1, W2; y's: Y1, Y2; A's owner x has expired, B was released. 6 processable, 2 live
    // workers: target 3, so 1 to take, and the released B goes first though A sorts before it.
    const leases = [
      lease('W1', { leaseOwner: 'me' }), lease('W2', { leaseOwner: 'me' }),
      lease('Y1', { leaseOwner: 'y' }), lease('Y2', { leaseOwner: 'y' }),
      lease('A', { leaseOwner: 'x' }), lease('B'),
    ];
    expect(keys(decideTakes(leases, 'me', (l) => l.leaseOwner === 'x').take)).toEqual(['B']);
  });

  it('steals one lease from a worker at the target when it is still two short of it', () => {
    // y and z hold 2 each, I hold none: target ceil(4 / 3) = 2, 2 short, nothing free. Left alone
    // I would read nothing for good; I steal y's last lease by key, Y2.
    const leases = [lease('Y1', { leaseOwner: 'y' }), lease('Y2', { leaseOwner: 'y' }), lease('Z1', { leaseOwner: 'z' }), lease('Z2', { leaseOwner: 'z' })];
    const decision = decideTakes(leases, 'me', never);
    expect(decision.take).toEqual([]);
    expect(decision.steal?.leaseKey).toBe('Y2');
  });
});
