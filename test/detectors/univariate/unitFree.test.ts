/**
 * A series' scores do not depend on the unit it is written in. Multiplying every value by a power
 * of two is exact in floating point, so a scorer free of absolute constants returns the very same
 * scores; NAB's rogue_agent_key_hold (idle at 0 between key presses) scored 4 of its 1,882 rows
 * differently ×1024, and Twitter_volume_CVS 6, while a flat window's spread was floored at an
 * absolute 1e-12 (rarityScorer.ts): `score-nab` on a corpus in other units scored 72.7, not 73.6.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeriesCsv } from '../../../detectors/nab/nabCorpus.ts';
import { StreamingScorer, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';

const FILE = join(import.meta.dirname, '../../fixtures/nab/data/realKnownCause/rogue_agent_key_hold.csv');
const { values, times } = parseSeriesCsv('rogue_agent_key_hold.csv', readFileSync(FILE, 'utf8'));

describe('the streaming scorer in another unit', () => {
  it('gives the same scores to a series ×1024 and ×2^-30', () => {
    const scores = scoreSeries(values, undefined, times);
    for (const k of [1024, 2 ** -30]) expect(scoreSeries(values.map((v) => v * k), undefined, times)).toEqual(scores);
  });

  it('keeps the unit in its snapshot: resumed after the first change, the scaled series still scores the same', () => {
    const scaled = values.map((v) => v * 1024);
    const first = new StreamingScorer();
    const head = scaled.slice(0, 900).map((v, i) => first.next(v, times[i]));
    const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
    const tail = scaled.slice(900).map((v, i) => restored.next(v, times[900 + i]));
    tail[tail.length - 1] = Math.max(tail[tail.length - 1], restored.flush());
    expect([...head, ...tail]).toEqual(scoreSeries(values, undefined, times));
  });
});
