/** Where a shard without a checkpoint starts reading (`startingPosition`, `startingTimestamp`), checked. */
import type { StartingPosition } from '../consumer/shardReader.ts';
import { ConfigError } from './load.ts';
import type { AdstreamConfig } from './schema.ts';

/** ISO 8601 as a user writes it: a date, optionally a time, optionally a zone (Z or ±hh:mm). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * The time in ms: ISO 8601 only (Date.parse also takes "1" or "Nov 1 2026"), and a time without a
 * zone is UTC, as everywhere in adstream, not the machine's local time (Date.parse's reading).
 */
function isoTime(text: string): number {
  const trimmed = text.trim();
  const match = ISO_8601.exec(trimmed);
  if (!match) return NaN;
  const [, time, zone] = match;
  return Date.parse(time !== undefined && zone === undefined ? `${trimmed}Z` : trimmed);
}

/** `now` is the machine's clock, read once at start: Kinesis refuses an AT_TIMESTAMP later than its own. */
export function startingPositionOf(config: AdstreamConfig, now = Date.now()): StartingPosition {
  if (config.startingPosition !== 'AT_TIMESTAMP') return config.startingPosition as 'TRIM_HORIZON' | 'LATEST';
  const time = isoTime(config.startingTimestamp ?? '');
  if (Number.isNaN(time)) {
    // Unset, it read as set to "", which sent the user looking for an empty setting.
    const given = config.startingTimestamp === undefined ? 'it is not set' : `it is "${config.startingTimestamp}"`;
    throw new ConfigError(
      `startingPosition AT_TIMESTAMP needs startingTimestamp (ADSTREAM_STARTING_TIMESTAMP) as an ISO 8601 date or time such as 2026-11-01T00:00:00Z, but ${given}.`,
    );
  }
  if (time > now) {
    // Kinesis's own words did not name the setting, and the worker stopped as for a failure (exit 1).
    throw new ConfigError(
      `startingTimestamp (ADSTREAM_STARTING_TIMESTAMP) is ${config.startingTimestamp}, a time still to come, and Kinesis starts AT_TIMESTAMP only from a time that has passed: give a past time, or startingPosition LATEST for the records from now on.`,
    );
  }
  return { atTimestamp: time };
}
