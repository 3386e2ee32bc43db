/**
 * The evidence each campaign-level anomaly of a quality run leaves (detectors/anomalyEvidence.ts),
 * counted from the generator's truth: the first 2 windows, and the first window where a test
 * that knew the campaign's rate could page.
 */
import { FIRE_ALPHA, evidenceTest } from '../../../detectors/anomalyEvidence.ts';
import type { AnomalyLabel } from '../../../stream/generator/index.ts';
import type { QualityRun } from './qualityRun.ts';

const MINUTE_MS = 60_000;

export interface Evidence {
  /** e.g. `clicks 0.27 → 4`. */
  firstTwo: string;
  /** P-value of the first 2 windows under the known rate. */
  pFirstTwo: number;
  /** First window (1 = the incident's first) where the p-value falls below 1e-6; undefined: never. */
  earliestWindow: number | undefined;
}

export function anomalyEvidence(run: QualityRun, label: AnomalyLabel): Evidence | undefined {
  const campaign = label.key.slice('campaign='.length);
  const count = (type: string, from: number, to: number): number => {
    let n = 0;
    for (let t = from; t < to; t += MINUTE_MS) n += run.validPerMinute.get(`${campaign}|${type}|${t}`) ?? 0;
    return n;
  };
  const test = evidenceTest(label, count);
  if (!test) return undefined;
  const firstTwo = test(2 * MINUTE_MS);
  const windows = Math.round((label.end - label.start) / MINUTE_MS);
  let earliestWindow: number | undefined;
  for (let w = 1; w <= windows && earliestWindow === undefined; w++) if (test(w * MINUTE_MS).p < FIRE_ALPHA) earliestWindow = w;
  return { firstTwo: firstTwo.what, pFirstTwo: firstTwo.p, earliestWindow };
}
