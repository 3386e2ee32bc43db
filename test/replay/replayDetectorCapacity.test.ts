/**
 * Each shard's detectors have their own limit on campaigns (detectorMaxCampaigns), so each
 * shard's detector_capacity alert is its own: under one id for every shard, the second shard's
 * page was the first's to the alert log (which keeps a notification once) and to receivers
 * (which dedupe on alertId), and the first shard back under its limit resolved both.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../stream/events/wire.ts';
import { adstream } from '../support/cli.ts';

const T0 = Date.UTC(2026, 10, 1);
const SECOND = 1_000;

const impression = (eventId: string, eventTime: number, campaign: string) =>
  encodeEvent({
    type: 'impression',
    body: { event_id: eventId, event_time: eventTime, campaign_id: campaign, ad_id: 'a-1', publisher_id: 'p-1', site_id: 's-1', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u-1', auction_id: null, cost_micros: 100 },
  });

/**
 * Shard 0: an impression every 10 s from 5 s to 395 s, of campaign a, but b at 5 s, 25 s and 45 s:
 * two campaigns in the minute [0 s, 60 s) only. Shard 1: one every 10 s from 6 s to 396 s,
 * alternately y and x: two campaigns every minute. With a limit of one campaign, shard 0 has
 * campaigns unwatched in its first minute only, shard 1 in every minute.
 */
async function writeRecording(path: string): Promise<void> {
  const shards: Record<string, [number, string][]> = { 'shardId-000000000000': [], 'shardId-000000000001': [] };
  for (let at = 5; at <= 395; at += 10) {
    shards['shardId-000000000000'].push([at, at < 60 && at % 20 === 5 ? 'b' : 'a']);
    shards['shardId-000000000001'].push([at + 1, at % 20 === 5 ? 'y' : 'x']);
  }
  const lines = [JSON.stringify({ format: 'adstream-recording', version: 1, stream: 'capacity', shards: Object.keys(shards) })];
  for (const [shard, events] of Object.entries(shards)) {
    events.forEach(([at, campaign], i) => {
      const data = Buffer.from(impression(`${shard}-${at}`, T0 + at * SECOND, campaign)).toString('base64');
      lines.push(JSON.stringify({ shard, seq: String(1000 + i), arrival: T0 + at * SECOND, key: campaign, data }));
    });
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

describe('adstream replay and detectorMaxCampaigns on two shards', () => {
  let work: string;
  let recording: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'replay-capacity-'));
    recording = join(work, 'capacity.jsonl');
    await writeRecording(recording);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("logs each shard's detector_capacity alert, and resolves only the shard back under its limit", async () => {
    const run = await adstream(['replay', recording, '--lake', join(work, 'lake')], { ADSTREAM_DETECTOR_MAX_CAMPAIGNS: '1' });
    expect(run.code, run.stderr).toBe(0);
    const logged = (await readFile(join(work, 'lake.alerts.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        const alert = JSON.parse(line) as { alertId: string; detector: string; status: string; dimensions: Record<string, string>; related?: unknown[] };
        return [alert, ...((alert.related ?? []) as (typeof alert)[])];
      })
      .filter((alert) => alert.detector === 'detector_capacity')
      .map((alert) => [alert.dimensions.shard, alert.status, alert.alertId]);
    const id = (shard: string) => `detector_capacity:detector=campaigns|shard=${shard}@${new Date(T0).toISOString()}`;
    expect(logged.sort()).toEqual([
      ['shardId-000000000000', 'firing', id('shardId-000000000000')],
      ['shardId-000000000000', 'resolved', id('shardId-000000000000')],
      ['shardId-000000000001', 'firing', id('shardId-000000000001')],
    ]);
  });
});
