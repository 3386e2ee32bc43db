/**
 * Per-shard checkpoints in a DynamoDB table that uses the KCL 2.x attribute names (`leaseKey`,
 * `checkpoint`, `checkpointSubSequenceNumber`, `leaseOwner`, `leaseCounter`) so operators' KCL
 * tooling can read it. Besides the checkpoint, an item holds:
 * - `stateRef`: the snapshot of the shard's operator state taken at that checkpoint;
 * - `pendingFirst`/`pendingLast`: the sequence range of the batch being committed, written
 *   before its files, so that after a crash the same batch is re-cut with the same bounds and
 *   its deterministic file names overwrite what the crashed attempt wrote.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export interface ShardCheckpoint {
  /** Last sequence number whose effects are durable. */
  sequenceNumber?: string;
  stateRef?: string;
  pending?: { first: string; last: string };
}

export class CheckpointStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly workerId: string,
  ) {}

  /** Creates the table (on-demand billing) if it does not exist yet. */
  async ensureTable(): Promise<void> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await this.client.send(
      new CreateTableCommand({
        TableName: this.tableName,
        AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client: this.client, maxWaitTime: 60, minDelay: 1 }, { TableName: this.tableName });
  }

  async get(shardId: string): Promise<ShardCheckpoint> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: shardId } }, ConsistentRead: true }),
    );
    if (!item) return {};
    const checkpoint = item.checkpoint?.S;
    return {
      // KCL's sentinel values mean "no sequence number yet".
      sequenceNumber: checkpoint && /^\d+$/.test(checkpoint) ? checkpoint : undefined,
      stateRef: item.stateRef?.S,
      pending: item.pendingFirst?.S && item.pendingLast?.S ? { first: item.pendingFirst.S, last: item.pendingLast.S } : undefined,
    };
  }

  /** Records the range of the batch about to be committed. */
  async markPending(shardId: string, first: string, last: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { leaseKey: { S: shardId } },
        UpdateExpression: 'SET pendingFirst = :first, pendingLast = :last, leaseOwner = :owner ADD leaseCounter :one',
        ExpressionAttributeValues: { ':first': { S: first }, ':last': { S: last }, ':owner': { S: this.workerId }, ':one': { N: '1' } },
      }),
    );
  }

  /** Moves the checkpoint and clears the pending range in one write. */
  async commit(shardId: string, sequenceNumber: string, stateRef: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { leaseKey: { S: shardId } },
        UpdateExpression:
          'SET #checkpoint = :seq, checkpointSubSequenceNumber = :zero, stateRef = :ref, leaseOwner = :owner, ' +
          'ownerSwitchesSinceCheckpoint = :zero REMOVE pendingFirst, pendingLast ADD leaseCounter :one',
        ExpressionAttributeNames: { '#checkpoint': 'checkpoint' },
        ExpressionAttributeValues: {
          ':seq': { S: sequenceNumber },
          ':zero': { N: '0' },
          ':ref': { S: stateRef },
          ':owner': { S: this.workerId },
          ':one': { N: '1' },
        },
      }),
    );
  }
}
