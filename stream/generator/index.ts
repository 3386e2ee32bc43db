/** The traffic generator's public surface. */
export { generateTraffic, type TrafficRun } from './traffic.ts';
export { DEFAULT_GENERATOR_CONFIG, resolveGeneratorConfig, ANOMALY_KINDS, type GeneratorConfig, type AnomalySpec } from './config.ts';
export { writeLabels, readLabels } from './labels.ts';
export { MALFORMED_REASONS, type MalformedReason } from './malformed.ts';
export { diurnalMultiplier } from './diurnal.ts';
export type { CampaignProfile } from './campaigns.ts';
export type { AnomalyLabel, AnomalyKind, GeneratedRecord, RecordTruth } from './types.ts';
export { tallyTruth, type TruthTally } from './tally.ts';
