/**
 * What a generated run should produce, counted from the generator's own ground truth rather than
 * from anything the pipeline computes: the independent side of every "the counters add up" check.
 */
import type { EventType } from '../events/schemas.ts';
import type { GeneratedRecord } from './types.ts';

export interface TruthTally {
  records: number;
  /** Distinct valid events by type: what the lake must hold. */
  validByType: Record<EventType, number>;
  valid: number;
  duplicates: number;
  malformedByReason: Record<string, number>;
  malformed: number;
}

export function tallyTruth(records: Iterable<GeneratedRecord>): TruthTally {
  const tally: TruthTally = {
    records: 0,
    validByType: { impression: 0, click: 0, conversion: 0, bid_request: 0 },
    valid: 0,
    duplicates: 0,
    malformedByReason: {},
    malformed: 0,
  };
  for (const { truth } of records) {
    tally.records += 1;
    if (truth.kind === 'valid') {
      tally.validByType[truth.eventType] += 1;
      tally.valid += 1;
    } else if (truth.kind === 'duplicate') {
      tally.duplicates += 1;
    } else {
      tally.malformedByReason[truth.reason] = (tally.malformedByReason[truth.reason] ?? 0) + 1;
      tally.malformed += 1;
    }
  }
  return tally;
}
