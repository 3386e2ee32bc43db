/**
 * The generator's options, with defaults sized for the local demo and validated with one clear
 * sentence per mistake (a bad option is a user error, not a crash deep inside the generator).
 */
import type { AnomalyKind } from './types.ts';

/** One anomaly to inject; `start`/`end` are event-time epoch ms (end exclusive). */
export interface AnomalySpec {
  kind: AnomalyKind;
  /** `campaign=<id>` for campaign-level kinds (default: a large campaign), `*` for stream-level. */
  key?: string;
  start: number;
  end: number;
}

export interface GeneratorConfig {
  /** PRNG seed: the same config gives byte-identical output. */
  seed: number;
  /** Simulated event time of the first minute, epoch ms. */
  start: number;
  /** Simulated event time covered, ms. */
  durationMs: number;
  campaigns: number;
  publishers: number;
  /** Average impressions per minute over a whole day (the diurnal curve moves it ~0.3×–1.75×). */
  impressionsPerMinute: number;
  /** Share of records re-sent as producer-retry duplicates. */
  duplicateRate: number;
  /** Share of records that are malformed. */
  malformedRate: number;
  /** `'default'`: one of each kind at seeded places after a warm-up; or an explicit list. */
  anomalies: 'default' | AnomalySpec[];
}

/**
 * Defaults: 6 simulated hours from midnight UTC (the night trough, diurnal mean ≈ 0.5×) at 200
 * impressions/min give ≈ 150k records (≈ 75 % bid requests), about 1 s of generation.
 */
export const DEFAULT_GENERATOR_CONFIG: GeneratorConfig = {
  seed: 42,
  start: Date.UTC(2026, 10, 1, 0, 0, 0),
  durationMs: 6 * 3_600_000,
  campaigns: 40,
  publishers: 12,
  impressionsPerMinute: 200,
  duplicateRate: 0.01,
  malformedRate: 0.005,
  anomalies: 'default',
};

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'traffic_drop',
  'click_flood',
  'conversion_drop',
  'ingestion_delay',
  'duplicate_storm',
  'malformed_burst',
  'bid_win_rate_collapse',
];

export const CAMPAIGN_ANOMALY_KINDS: readonly AnomalyKind[] = ['traffic_drop', 'click_flood', 'conversion_drop', 'bid_win_rate_collapse'];

export function resolveGeneratorConfig(overrides: Partial<GeneratorConfig> = {}): GeneratorConfig {
  const config = { ...DEFAULT_GENERATOR_CONFIG, ...stripUndefined(overrides) };
  const problems: string[] = [];
  const integer = (name: keyof GeneratorConfig, min: number) => {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) problems.push(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  const rate = (name: 'duplicateRate' | 'malformedRate') => {
    const v = config[name];
    if (!(v >= 0 && v < 1)) problems.push(`${name} must be a share in [0, 1), got ${String(v)}`);
  };
  integer('seed', Number.MIN_SAFE_INTEGER);
  integer('start', 0);
  integer('durationMs', 60_000);
  integer('campaigns', 1);
  integer('publishers', 1);
  if (!(config.impressionsPerMinute > 0)) problems.push(`impressionsPerMinute must be > 0, got ${String(config.impressionsPerMinute)}`);
  rate('duplicateRate');
  rate('malformedRate');
  if (config.anomalies !== 'default') {
    for (const spec of config.anomalies) {
      if (!ANOMALY_KINDS.includes(spec.kind)) problems.push(`unknown anomaly kind ${JSON.stringify(spec.kind)}; use one of ${ANOMALY_KINDS.join(', ')}`);
      if (!(spec.start < spec.end)) problems.push(`anomaly ${spec.kind} must start before it ends`);
    }
  }
  if (problems.length) throw new RangeError(`invalid generator config: ${problems.join('; ')}`);
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
