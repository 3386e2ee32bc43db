/** The generator's command-line options, shared by `generate`, `produce --generate` and `demo`. */
import { Command } from 'commander';
import { ConfigError } from '../config/load.ts';
import type { GeneratorConfig } from '../generator/index.ts';
import { positiveInteger, wholeNumberOption } from './wholeNumberOption.ts';

/** The PRNG takes 32 bits of its seed (rng.ts): a larger seed would repeat a smaller one's traffic. */
const MAX_SEED = 2 ** 32 - 1;

const seedNumber = wholeNumberOption(0, MAX_SEED);

export interface GeneratorFlags {
  hours: number;
  rate: number;
  seed: number;
}

export function withGeneratorOptions(command: Command): Command {
  return command
    .option('--hours <n>', 'simulated hours of traffic, from 2026-11-01 00:00 UTC', positiveInteger, 6)
    .option('--rate <n>', 'impressions per simulated minute, averaged over a whole day: traffic follows the time of day, so the first six hours (night) average under half of it', positiveInteger, 200)
    .option('--seed <n>', 'generator seed (the same seed gives the same records)', seedNumber, 42);
}

/** Records per impression a minute of --rate gives over a day (all event types, duplicates and malformed ones included): 4.8 measured at 24 h. */
const RECORDS_PER_RATE_MINUTE = 5;
/**
 * The generator and its commands hold every record in memory (1.1 GB of RSS at 1.4 million);
 * past about 4 million a run ran out of heap after minutes, having written nothing.
 */
const MAX_GENERATED_RECORDS = 4_000_000;

export function generatorOverrides(flags: GeneratorFlags): Partial<GeneratorConfig> {
  const records = RECORDS_PER_RATE_MINUTE * flags.hours * 60 * flags.rate;
  if (records > MAX_GENERATED_RECORDS) {
    throw new ConfigError(
      `--hours ${flags.hours} at --rate ${flags.rate} makes about ${(records / 1e6).toFixed(1)} million records, more than the generator holds in memory (${MAX_GENERATED_RECORDS / 1e6} million); use fewer hours or a lower rate (several seeds make more traffic).`,
    );
  }
  return { seed: flags.seed, durationMs: flags.hours * 3_600_000, impressionsPerMinute: flags.rate };
}
