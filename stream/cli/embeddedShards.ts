/**
 * `--shards` of the commands that create their stream on the embedded Kinesis (demo, local):
 * kinesalite refuses a stream beyond its shard limit only after the services have started, with
 * AWS's multi-line limit text; here the command line says it in one sentence first.
 */
import { EMBEDDED_SHARD_LIMIT } from '../local/shardLimit.ts';
import { wholeNumberOption } from './wholeNumberOption.ts';

export const embeddedShardCount = wholeNumberOption(1, EMBEDDED_SHARD_LIMIT, `a whole number from 1 to ${EMBEDDED_SHARD_LIMIT}, the embedded Kinesis's shard limit`);
