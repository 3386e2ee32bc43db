/**
 * `--shards` of the commands that create their stream on the embedded Kinesis (demo, local):
 * kinesalite refuses a stream beyond its shard limit only after the services have started, with
 * AWS's multi-line limit text; here the command line says it in one sentence first.
 */
import { InvalidArgumentError } from 'commander';
import { EMBEDDED_SHARD_LIMIT } from '../local/shardLimit.ts';

export const embeddedShardCount = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > EMBEDDED_SHARD_LIMIT) {
    throw new InvalidArgumentError(`must be a whole number from 1 to ${EMBEDDED_SHARD_LIMIT}, the embedded Kinesis's shard limit.`);
  }
  return parsed;
};
