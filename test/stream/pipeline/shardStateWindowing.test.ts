/**
 * A shard's saved state restored under other window settings: its open windows and detector
 * baselines were built for windows of another size (or slide, or groupings), so a worker
 * restarted so must stop with one sentence naming the change, not mix the two silently (the
 * metrics table held 60 s and 30 s windows side by side, and the detectors judged 30 s counts
 * against 60 s baselines).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../stream/config/load.ts';
import { ShardState, WindowingChangedError, type ShardStateConfig } from '../../../stream/pipeline/shardState.ts';

const config = (windows: Partial<ShardStateConfig['windows']> = {}): ShardStateConfig => ({
  windows: { sizeMs: 60_000, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, ...windows },
  dedupeHorizonMs: 3_600_000,
  createDetector: () => ({ observe: () => [], snapshot: () => null }),
});

describe('a shard state restored under other window settings', () => {
  it('is refused, naming what changed, as a usage error', () => {
    const saved = ShardState.create(config(), 'shardId-0').snapshot({ inline: true });
    const restore = () => ShardState.create(config({ sizeMs: 30_000 }), 'shardId-0', saved);
    expect(restore).toThrow(WindowingChangedError);
    expect(restore).toThrow(ConfigError);
    expect(restore).toThrow(/^the saved state of shardId-0 was built with other windows \(sizeMs 60000 → 30000, slideMs 60000 → 30000\)/);
    expect(() => ShardState.create(config({ groupings: [['campaign']] }), 'shardId-0', saved)).toThrow(/groupings null → \[\["campaign"\]\]/);
  });

  it('is taken as before when only lateness changes, or when the snapshot predates the check', () => {
    const saved = ShardState.create(config(), 'shardId-0').snapshot({ inline: true });
    expect(() => ShardState.create(config({ allowedLatenessMs: 60_000, maxOutOfOrdernessMs: 30_000 }), 'shardId-0', saved)).not.toThrow();
    const { windowing: _windowing, ...older } = saved;
    expect(() => ShardState.create(config({ sizeMs: 30_000 }), 'shardId-0', older)).not.toThrow();
    // A child from its parents' state is held to the same rule.
    expect(() => ShardState.forChild(config({ slideMs: 30_000 }), 'shardId-1', [saved])).toThrow(WindowingChangedError);
  });
});
