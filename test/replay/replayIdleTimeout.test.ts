/**
 * `adstream replay` judges a quiet shard idle after `streamWindowIdleMs`, as the live worker's
 * stream-wide merge does, unless `--idle-timeout-ms` says otherwise. Before, it took 60000 whatever
 * the configuration said, so a stream whose workers ran with a longer idle timeout replayed to
 * other stream-wide windows (and stream alerts) than the workers gave.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../stream/events/wire.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { adstream } from '../support/cli.ts';
import { FIXTURE_SETTINGS } from './fixtureSettings.ts';

const T0 = Date.UTC(2026, 10, 1);
const SECOND = 1_000;

const impression = (eventId: string, eventTime: number) =>
  encodeEvent({
    type: 'impression',
    body: { event_id: eventId, event_time: eventTime, campaign_id: 'c-1', ad_id: 'a-1', publisher_id: 'p-1', site_id: 's-1', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u-1', auction_id: null, cost_micros: 100 },
  });

/**
 * Shard 0: an impression every 10 s from 10 s to 200 s. Shard 1: at 15 s and 25 s, then quiet for
 * 90 s, then at 115 s and 125 s. Every event arrives at its event time; windows of a minute, the
 * default 30 s of out-of-orderness. The stream's window [0 s, 60 s) holds 7 impressions: 5 of shard
 * 0, 2 of shard 1. With a 60 s idle timeout shard 1 is idle from 85 s, so the window fires at 90 s
 * (shard 0's watermark 60 s) with shard 0's 5, and shard 1's partial comes late; with 120 s it
 * never idles, and the window holds all 7.
 */
async function writeRecording(path: string): Promise<void> {
  const shards = { 'shardId-000000000000': [] as number[], 'shardId-000000000001': [15, 25, 115, 125] };
  for (let at = 10; at <= 200; at += 10) shards['shardId-000000000000'].push(at);
  const lines = [JSON.stringify({ format: 'adstream-recording', version: 1, stream: 'idle', shards: Object.keys(shards) })];
  for (const [shard, times] of Object.entries(shards)) {
    times.forEach((at, i) => {
      const data = Buffer.from(impression(`${shard}-${at}`, T0 + at * SECOND)).toString('base64');
      lines.push(JSON.stringify({ shard, seq: String(1000 + i), arrival: T0 + at * SECOND, key: 'c-1', data }));
    });
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** The stream-wide count of the first minute's impressions, from the replay's EMF lines. */
async function firstMinuteCount(metrics: string): Promise<number | undefined> {
  const emf = join(metrics, 'emf');
  for (const file of await readdir(emf)) {
    for (const line of (await readFile(join(emf, file), 'utf8')).split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line) as { key: string; window_start: number; count?: number };
      if (event.key === 'scope=stream|campaign=c-1|type=impression' && event.window_start === T0) return event.count;
    }
  }
  return undefined;
}

describe('adstream replay and streamWindowIdleMs', () => {
  let work: string;
  let recording: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'replay-idle-'));
    recording = join(work, 'idle.jsonl');
    await writeRecording(recording);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('takes the idle timeout from the configuration', async () => {
    // Parts of one record: the shards take turns by arrival, as records came (the idle shard's
    // silence is seen as such).
    const longer = await adstream(['replay', recording, '--lake', join(work, 'longer'), '--batch-size', '1'], { ADSTREAM_STREAM_WINDOW_IDLE_MS: '120000' });
    expect(longer.code, longer.stderr).toBe(0);
    expect(await firstMinuteCount(join(work, 'longer.metrics'))).toBe(7);

    const byDefault = await adstream(['replay', recording, '--lake', join(work, 'default'), '--batch-size', '1']);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(await firstMinuteCount(join(work, 'default.metrics'))).toBe(5);
    // Shard 1's window [0 s, 60 s) came after the stream-wide one had fired: the replay says so.
    expect(byDefault.stderr).toContain('1 shard window came after the stream-wide window had fired');
    expect(longer.stderr).not.toContain('came after the stream-wide window');
  });

  it('gives the same stream-wide windows whatever the part size', async () => {
    // Shard 0's records from 10 s to 200 s are one part of 500: read before shard 1's silence was
    // seen, it held shard 1 active, and the first minute held 7 impressions at 7 and 500 records a
    // part, 5 at 1. Shard 1 is quiet from 25 s to 115 s, idle from 85 s: 5 at every size.
    for (const size of ['1', '7', '500']) {
      const lake = join(work, `parts-${size}`);
      const replayed = await adstream(['replay', recording, '--lake', lake, '--batch-size', size]);
      expect(replayed.code, replayed.stderr).toBe(0);
      expect({ size, count: await firstMinuteCount(`${lake}.metrics`) }).toEqual({ size, count: 5 });
    }
  });

  it('does not resume a replay that cut this recording by --batch-size alone', async () => {
    // Commit points of 400 record bytes (records of about 200): several in this recording.
    const settings = { ...FIXTURE_SETTINGS, lakeFileTargetBytes: 400 };
    const replayed = async (dirs: ReturnType<typeof directoriesFor>, extra: { stopAfterBatches?: number; idleTimeoutMs?: number } = {}) => {
      const read = await readRecording(recording, {});
      try {
        return await replayToDirectory(read, dirs, settings, { batchSize: 7, idleTimeoutMs: 60_000, ...extra });
      } finally {
        await read.close();
      }
    };
    const checkpointOf = (dirs: ReturnType<typeof directoriesFor>) => join(dirs.state, 'replay-checkpoint.json');

    // Stopped and resumed alike, the replay gives what it gives in one go: 5 in the first minute.
    const same = directoriesFor(join(work, 'resumed'));
    expect((await replayed(same, { stopAfterBatches: 1 })).finished).toBe(false);
    expect(JSON.parse(await readFile(checkpointOf(same), 'utf8')).settings.parts).toBe('arrival order');
    expect((await replayed(same)).finished).toBe(true);
    expect(await firstMinuteCount(same.metrics)).toBe(5);

    // A checkpoint as a replay from before parts were cut in arrival order wrote it (no `parts`):
    // its parts were 7 records whatever their arrival, and the windows before it held shard 1's
    // first minute (7 impressions), so continuing in arrival order gave neither run's windows.
    const old = directoriesFor(join(work, 'old'));
    expect((await replayed(old, { stopAfterBatches: 1 })).finished).toBe(false);
    const saved = JSON.parse(await readFile(checkpointOf(old), 'utf8'));
    delete saved.settings.parts;
    await writeFile(checkpointOf(old), JSON.stringify(saved));
    await expect(replayed(old)).rejects.toThrow(/cut this recording into parts of --batch-size records.*start over/);

    // Resumed with a longer idle timeout (no shard idles then, no arrival-order cut): the setting
    // the user changed is what the refusal names.
    const longer = directoriesFor(join(work, 'longer-resume'));
    expect((await replayed(longer, { stopAfterBatches: 1 })).finished).toBe(false);
    await expect(replayed(longer, { idleTimeoutMs: 120_000 })).rejects.toThrow('--idle-timeout-ms 60000 → 120000');
  });
});
