/** KPL support for the consumer: deaggregation, hash-key ranges, sub-sequence checkpoint positions. */
export { deaggregate, deaggregateAll, type DeaggregatedRecord, type KinesisRecordLike, type KplError } from './deaggregate.ts';
export { FULL_HASH_RANGE, MAX_HASH_KEY, hashKeyOf, hashRangeOf, inHashRange, type HashRange } from './hashKey.ts';
export { compare, isAfter, maxPosition, positionOf, type Position } from './position.ts';
export { KPL_MAGIC, hasKplMagic as isAggregated } from './aggregatedRecordFormat.ts';
export { PART_RECORDS, userRecordParts, userRecordsOf, userRecordsUpTo } from './userRecords.ts';
