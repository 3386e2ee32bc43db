/**
 * The univariate detectors `adstream score-nab` can run, by name: each maps a whole series to one
 * score in [0, 1] per value, read in order with no look-ahead.
 */
import { scoreSeries } from './streamingScorer.ts';
import { windowedGaussianSeries } from './windowedGaussian.ts';

/** `times`: each value's timestamp, epoch ms. */
export type SeriesDetector = (values: readonly number[], times: readonly number[]) => number[];

export const SERIES_DETECTORS = {
  adstream: (values, times) => scoreSeries(values, undefined, times),
  'windowed-gaussian': (values) => windowedGaussianSeries(values),
} satisfies Record<string, SeriesDetector>;

export type SeriesDetectorName = keyof typeof SERIES_DETECTORS;

export const isSeriesDetectorName = (name: string): name is SeriesDetectorName => Object.hasOwn(SERIES_DETECTORS, name);
