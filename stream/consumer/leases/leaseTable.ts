/**
 * The lease table in DynamoDB. Every write that matters (renew, take, release, pending,
 * checkpoint) is a conditional update on `leaseCounter` — the fencing token: a worker that lost
 * a lease (expired and taken, or stolen) finds out at its next write, because the counter moved,
 * and can never write over the new owner. Each such write also bumps the counter, which is how
 * other workers see that the owner is alive.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { SHARD_END, checkpointSequence, leaseFromItem, leaseToItem, type Lease } from './lease.ts';
import { ConfigError } from '../../config/load.ts';
import { canonicalLocation } from '../../../sinks/objectStore/canonicalLocation.ts';

/** The lease moved on without us: stop processing its shard, never checkpoint it again. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(readonly leaseKey: string, operation: string, why = `${operation} found its counter moved`) {
    super(`lease ${leaseKey} is no longer ours (${why})`);
  }
}

/**
 * Items of the workers' own in the lease table, not shards (the stream-window merge's lease):
 * shard ids never hold a colon, so the shard balancing can tell them apart.
 */
export const RESERVED_LEASE_PREFIX = 'adstream:';
export const isReservedLeaseKey = (leaseKey: string): boolean => leaseKey.startsWith(RESERVED_LEASE_PREFIX);

/** The item naming the stream whose checkpoints the table keeps. */
const STREAM_KEY = `${RESERVED_LEASE_PREFIX}stream`;

/** A worker pointed at a lease table that keeps another stream's checkpoints: a usage error, named. */
export class LeaseTableOfAnotherStreamError extends ConfigError {}

/** A worker pointed at a table that another application keeps (or that is no lease table): a usage error, named. */
export class LeaseTableOfAnotherAppError extends ConfigError {}

/** Kinesis shard ids, the keys of adstream's shard leases. */
const SHARD_ID = /^shardId-\d+$/;

/** A worker given another lake than the one its lease table's checkpoints were written with: a usage error, named. */
export class LakeOfAnotherRunError extends ConfigError {}

interface FencedUpdate {
  set?: Record<string, AttributeValue>;
  remove?: string[];
  /** Also require `leaseOwner = owner` (the holder's own writes); absent for take. */
  owner?: string;
  /** For take: the owner observed when the lease was judged takeable (absent = unowned). */
  observedOwner?: string | null;
}

export class LeaseTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /** Creates the table (on-demand billing) if it does not exist yet. */
  async ensureTable(): Promise<void> {
    try {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      this.refuseOtherKeys(Table?.KeySchema?.map((key) => key.AttributeName ?? '') ?? []);
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.tableName,
          AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      // Another worker created it first.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
    await waitUntilTableExists({ client: this.client, maxWaitTime: 60, minDelay: 1 }, { TableName: this.tableName });
  }

  /** Another application's table, keyed otherwise, failed at the first read with DynamoDB's own words. */
  private refuseOtherKeys(keys: string[]): void {
    if (keys.length === 1 && keys[0] === 'leaseKey') return;
    throw new LeaseTableOfAnotherAppError(
      `the DynamoDB table ${this.tableName} is keyed by ${keys.join(' and ') || 'nothing'}, not leaseKey, so it is not a lease table: give adstream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE), or a name no table has yet, and it creates it.`,
    );
  }

  /**
   * Makes sure the table keeps the checkpoints of `streamName`: the first worker names the stream
   * in the table, and a worker of another stream is refused. Leases are keyed by shard id alone
   * (as the KCL keys them), and every stream has a shardId-000000000000: a second stream's worker
   * would have taken the first stream's checkpoints as its own and failed on a sequence number
   * from another stream (or, on AWS, silently read from the wrong place). A table created before
   * this item existed is named by the first worker that starts against it.
   */
  async claimForStream(streamName: string, lake?: string, beforeFirstClaim?: () => Promise<void>): Promise<void> {
    let claimed = await this.streamItem();
    // A table without a lease of any kind is new: `beforeFirstClaim` may refuse it (a lake written
    // under checkpoints since lost). One with leases and no stream item predates that item.
    if (!claimed && beforeFirstClaim && !(await this.holdsAnyItem())) {
      try {
        await beforeFirstClaim();
      } catch (error) {
        // Another worker may have claimed the table and written to the lake meanwhile: its files are not lost.
        claimed = await this.streamItem();
        if (!claimed) throw error;
      }
    }
    if (!claimed) {
      await this.refuseForeignLeases();
      const item: Record<string, AttributeValue> = { leaseKey: { S: STREAM_KEY }, streamName: { S: streamName } };
      if (lake !== undefined) item.lake = { S: lake };
      try {
        await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(leaseKey)' }));
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      claimed = await this.streamItem();
    }
    const owner = claimed?.streamName?.S;
    if (owner !== streamName) {
      throw new LeaseTableOfAnotherStreamError(
        `the lease table ${this.tableName} keeps the checkpoints of stream ${owner ?? '(unnamed)'}, not ${streamName}: give each stream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE).`,
      );
    }
    if (lake !== undefined) await this.claimForLake(claimed?.lake?.S, lake);
  }

  /**
   * Makes sure the checkpoints are of a run writing to `lake`. They say what has been written, not
   * where: a worker restarted with another lake went on after them, and the stream was split
   * between two lakes, each of which looked whole to an analyst. A table named before the lake was
   * kept gets the lake of the first worker that starts against it.
   */
  private async claimForLake(saved: string | undefined, lake: string): Promise<void> {
    let kept = saved;
    if (kept === undefined) {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { leaseKey: { S: STREAM_KEY } },
            UpdateExpression: 'SET lake = :lake',
            ConditionExpression: 'attribute_not_exists(lake)',
            ExpressionAttributeValues: { ':lake': { S: lake } },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      kept = (await this.streamItem())?.lake?.S;
    }
    // Kept before lakes were compared through their symlinks, a local path may be spelled otherwise.
    if (kept === lake || (kept !== undefined && (await canonicalLocation(kept)) === lake)) return;
    const relative = !kept?.startsWith('s3://') ? '; a relative path is taken from the working directory' : '';
    throw new LakeOfAnotherRunError(
      `the lease table ${this.tableName} keeps the checkpoints of a run writing to the lake ${kept}, not ${lake}: what came before them is in ${kept}, and going on here would split the stream between two lakes. Give the lake ${kept} again (--lake, environment ADSTREAM_LAKE${relative}), or start the new lake afresh with another lease table and state location.`,
    );
  }

  /**
   * A table with leases and no stream item is adstream's from before that item, or another
   * application's (a KCL consumer's uses the same key and attribute names). Adopting the latter
   * started each shard after the other application's checkpoint, so the records before it never
   * reached the lake, and took its leases. adstream never checkpoints a sequence number without a
   * state snapshot, and its shard leases are keyed by shard id alone (KCL's multi-stream keys are
   * not).
   */
  private async refuseForeignLeases(): Promise<void> {
    const foreign = (await this.list())
      .map((lease) => {
        if (!SHARD_ID.test(lease.leaseKey)) return `${lease.leaseKey} is not a shard id`;
        if (checkpointSequence(lease) !== undefined && !lease.stateRef) return `${lease.leaseKey} is checkpointed with no state snapshot beside it`;
        return undefined;
      })
      .find((why) => why !== undefined);
    if (foreign === undefined) return;
    throw new LeaseTableOfAnotherAppError(
      `the lease table ${this.tableName} holds leases adstream did not write (${foreign}), so it is another application's: give adstream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE).`,
    );
  }

  private async holdsAnyItem(): Promise<boolean> {
    const result = await this.client.send(new ScanCommand({ TableName: this.tableName, Limit: 1, ConsistentRead: true }));
    return (result.Items?.length ?? 0) > 0 || result.LastEvaluatedKey !== undefined;
  }

  private async streamItem(): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: STREAM_KEY } }, ConsistentRead: true }));
    return result.Item;
  }

  /** Creates the lease unless it exists; returns whether it was created. */
  async createIfMissing(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: leaseToItem(lease), ConditionExpression: 'attribute_not_exists(leaseKey)' }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records children on a parent (metadata only: it leaves the counter, and so the owner, alone). */
  async addChildren(leaseKey: string, childShardIds: string[]): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { leaseKey: { S: leaseKey } },
        UpdateExpression: 'ADD childShardIds :children',
        ConditionExpression: 'attribute_exists(leaseKey)',
        ExpressionAttributeValues: { ':children': { SS: childShardIds } },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** The shard leases (items of the workers' own, such as the stream-window merge's, are left out). */
  async list(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) if (!isReservedLeaseKey(item.leaseKey.S!)) leases.push(leaseFromItem(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return leases.sort((a, b) => a.leaseKey.localeCompare(b.leaseKey));
  }

  /** One lease by key, read consistently. */
  async get(leaseKey: string): Promise<Lease | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: leaseKey } }, ConsistentRead: true }));
    return result.Item ? leaseFromItem(result.Item) : undefined;
  }

  /**
   * One fenced write: succeeds only if the counter is still `expectedCounter` (and the owner is
   * as required); bumps the counter; returns the lease as stored afterwards.
   */
  async update(leaseKey: string, expectedCounter: number, operation: string, change: FencedUpdate): Promise<Lease> {
    const names: Record<string, string> = { '#counter': 'leaseCounter' };
    const values: Record<string, AttributeValue> = { ':expected': { N: String(expectedCounter) }, ':next': { N: String(expectedCounter + 1) } };
    const sets = ['#counter = :next'];
    Object.entries(change.set ?? {}).forEach(([attribute, value], i) => {
      names[`#s${i}`] = attribute;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    const conditions = ['#counter = :expected'];
    if (change.owner !== undefined) {
      names['#owner'] = 'leaseOwner';
      values[':owner'] = { S: change.owner };
      conditions.push('#owner = :owner');
    } else if (change.observedOwner !== undefined) {
      names['#owner'] = 'leaseOwner';
      if (change.observedOwner === null) conditions.push('attribute_not_exists(#owner)');
      else {
        values[':observed'] = { S: change.observedOwner };
        conditions.push('#owner = :observed');
      }
    }
    const removes = (change.remove ?? []).map((attribute, i) => {
      names[`#r${i}`] = attribute;
      return `#r${i}`;
    });
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: leaseKey } },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return leaseFromItem(result.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(leaseKey, operation);
      throw error;
    }
  }

  /**
   * Deletes an ended shard's lease (parentCleanup.ts), only as it was read: at SHARD_END, its
   * counter unmoved and no state snapshot named. Returns whether it was deleted.
   */
  async deleteEnded(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: lease.leaseKey } },
          ConditionExpression: 'leaseCounter = :counter AND checkpoint = :end AND attribute_not_exists(stateRef)',
          ExpressionAttributeValues: { ':counter': { N: String(lease.leaseCounter) }, ':end': { S: SHARD_END } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Takes an unowned or expired lease, or steals one: fenced on the counter that was observed. */
  take(lease: Lease, workerId: string): Promise<Lease> {
    return this.update(lease.leaseKey, lease.leaseCounter, 'take', {
      observedOwner: lease.leaseOwner ?? null,
      set: {
        leaseOwner: { S: workerId },
        ownerSwitchesSinceCheckpoint: { N: String(lease.ownerSwitchesSinceCheckpoint + (lease.leaseOwner === workerId ? 0 : 1)) },
      },
    });
  }
}
