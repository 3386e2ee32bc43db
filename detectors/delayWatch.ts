/**
 * A watch on a delay in milliseconds (a p99 of the stream-quality metrics). Milliseconds are not
 * counts: a robust z with no Poisson floor, where a quarter of the usual delay, at least 1 s, is
 * one "sigma", so jitter of a few hundred ms never pages and a backlog of minutes does.
 */
import type { Watch } from './volumeDetector.ts';

export const delayWatch = (name: string, value: string, keyPrefix: string): Watch => ({
  name,
  keyPrefix,
  value,
  direction: 'up',
  threshold: 4,
  floor: 'none',
  minScale: 1000,
  relativeScale: 0.25,
  zeroWhenMissing: false,
  unit: 'ms',
});
