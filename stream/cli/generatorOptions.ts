/** The generator's command-line options, shared by `generate`, `produce --generate` and `demo`. */
import { Command, InvalidArgumentError } from 'commander';
import type { GeneratorConfig } from '../generator/index.ts';

export const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a whole number above 0.');
  return parsed;
};

export interface GeneratorFlags {
  hours: number;
  rate: number;
  seed: number;
}

export function withGeneratorOptions(command: Command): Command {
  return command
    .option('--hours <n>', 'simulated hours of traffic, from 2026-11-01 00:00 UTC', positiveInteger, 6)
    .option('--rate <n>', 'impressions per simulated minute, averaged over a whole day: traffic follows the time of day, so the first six hours (night) average under half of it', positiveInteger, 200)
    .option('--seed <n>', 'generator seed (the same seed gives the same records)', positiveInteger, 42);
}

export const generatorOverrides = (flags: GeneratorFlags): Partial<GeneratorConfig> => ({
  seed: flags.seed,
  durationMs: flags.hours * 3_600_000,
  impressionsPerMinute: flags.rate,
});
