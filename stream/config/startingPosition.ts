/** Where a shard without a checkpoint starts reading (`startingPosition`, `startingTimestamp`), checked. */
import type { StartingPosition } from '../consumer/shardReader.ts';
import { ConfigError } from './load.ts';
import type { AdstreamConfig } from './schema.ts';

export function startingPositionOf(config: AdstreamConfig): StartingPosition {
  if (config.startingPosition !== 'AT_TIMESTAMP') return config.startingPosition as 'TRIM_HORIZON' | 'LATEST';
  const time = Date.parse(config.startingTimestamp ?? '');
  if (Number.isNaN(time)) {
    throw new ConfigError(`startingPosition AT_TIMESTAMP needs startingTimestamp (ADSTREAM_STARTING_TIMESTAMP) as an ISO 8601 time, but it is "${config.startingTimestamp ?? ''}".`);
  }
  return { atTimestamp: time };
}
