import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { PartialLog, caughtUpPosition, partialsPosition, type ShardPartials } from '../../../stream/consumer/windowPartials.ts';

const dirs: string[] = [];
async function newLog(): Promise<PartialLog> {
  const dir = await mkdtemp(join(tmpdir(), 'partials-'));
  dirs.push(dir);
  return new PartialLog(new LocalDirStore(dir), 's');
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const partials = (final: boolean): ShardPartials => ({ version: 1, shardId: 'shardId-1', watermark: null, arrivalTime: null, caughtUp: true, final, windows: [] });

describe('the window partial log', () => {
  it('lists a closing flush after the unit it follows, even a unit of one record, and before the next unit', async () => {
    // The merge skips every key at or before the last one it consumed for the shard: a closing
    // flush sorted before its unit would be dropped unmerged, and its shard never end.
    const log = await newLog();
    const single = partialsPosition('5', '5');
    const closing = partialsPosition(undefined, '5');
    const next = partialsPosition('6', '6');
    for (const [position, final] of [[next, false], [closing, true], [single, false]] as const) await log.write(partials(final), position);
    const keys = (await log.list()).get('shardId-1')!;
    expect(keys.map((key) => key.split('/').at(-1))).toEqual([`${single}.json`, `${closing}.json`, `${next}.json`]);
    expect(keys[0] < keys[1] && keys[1] < keys[2]).toBe(true);
  });

  it('lists a caught-up marker after the unit it follows and before a closing flush there or the next unit', async () => {
    const log = await newLog();
    const positions = [caughtUpPosition(undefined), partialsPosition('5', '5'), caughtUpPosition('5'), partialsPosition(undefined, '5'), partialsPosition('6', '6')];
    for (const position of [...positions].reverse()) await log.write(partials(false), position);
    const keys = (await log.list()).get('shardId-1')!;
    expect(keys.map((key) => key.split('/').at(-1))).toEqual(positions.map((position) => `${position}.json`));
  });
});
