/** The recorded fixtures and the settings their goldens were produced with. */
import { fileURLToPath } from 'node:url';
import type { ReplaySettings } from '../../stream/replay/replayToDirectory.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/recordings/', import.meta.url));

export const FIXTURE_SETTINGS: ReplaySettings = {
  windowMs: 60_000,
  maxOutOfOrdernessMs: 30_000,
  allowedLatenessMs: 0,
  dedupeHorizonMs: 3_600_000,
  // Arrival times are when kinesalite received the records (after the fixture's event times).
  maxFutureSkewMs: 300_000,
  parquetEncoder: 'direct',
};

export const FIXTURE_GENERATOR = { seed: 7, durationMs: 60 * 60_000, impressionsPerMinute: 20 };
export const FIXTURE_NAME = 'small-2shards';
