/**
 * Lease tables for tests that drive leases and the stream-wide merge directly: a table of its own
 * on the embedded dynalite, holding fresh shard leases (never read, no owner), as shard sync
 * creates them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TRIM_HORIZON, type Lease } from '../../stream/consumer/leases/lease.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import type { LocalServices } from '../../stream/local/embeddedServices.ts';

/** A shard's lease as shard sync creates it: from TRIM_HORIZON, no owner, its parents if it has any. */
export const freshLease = (leaseKey: string, parentShardIds: string[] = []): Lease => ({
  leaseKey,
  leaseCounter: 0,
  checkpoint: TRIM_HORIZON,
  checkpointSubSequenceNumber: 0,
  ownerSwitchesSinceCheckpoint: 0,
  parentShardIds,
  childShardIds: [],
});

/** A new lease table named `name` on the embedded DynamoDB, with `leases` in it. */
export async function localLeaseTable(services: LocalServices, name: string, leases: readonly Lease[] = []): Promise<LeaseTable> {
  const client = new DynamoDBClient({ endpoint: services.endpoints.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const table = new LeaseTable(client, name);
  await table.ensureTable();
  for (const lease of leases) await table.createIfMissing(lease);
  return table;
}
