/**
 * Wall-clock timing of synchronous passes: each pass once as a warm-up (JIT, inline caches), then
 * N rounds in which every pass runs once, interleaved so that a slow spell on a shared machine
 * hits all passes rather than one; the median of each pass's N runs is its result. A full GC
 * before each timed run, when it can be had, keeps one pass's garbage from being billed to the next.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Timing {
  medianMs: number;
  runsMs: number[];
}

export interface Pass {
  name: string;
  run: () => unknown;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;

export function timeInterleaved(
  passes: Pass[],
  rounds = 3,
  onProgress: (message: string) => void = () => {},
): Map<string, { timing: Timing; result: unknown }> {
  const out = new Map<string, { timing: Timing; result: unknown }>();
  for (const pass of passes) {
    onProgress(`warm-up: ${pass.name}`);
    out.set(pass.name, { timing: { medianMs: NaN, runsMs: [] }, result: pass.run() });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const pass of passes) {
      onProgress(`round ${round}/${rounds}: ${pass.name}`);
      gc?.();
      const start = performance.now();
      const result = pass.run();
      const entry = out.get(pass.name)!;
      entry.timing.runsMs.push(performance.now() - start);
      entry.result = result;
    }
  }
  for (const { timing } of out.values()) {
    const sorted = [...timing.runsMs].sort((a, b) => a - b);
    timing.medianMs = sorted[Math.floor(sorted.length / 2)];
  }
  return out;
}
