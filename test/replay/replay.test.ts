import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { main } from '../../stream/cli/main.ts';
import { adstream } from '../support/cli.ts';
import { ConfigError, loadConfig } from '../../stream/config/load.ts';
import { recordsByShard, type Recording } from '../../stream/replay/recording.ts';
import { openRecordingWriter, readRecording } from '../../stream/replay/recordingFile.ts';
import { ReplayCrash } from '../../stream/replay/replay.ts';
import { DEFAULT_REPLAY_BATCH_SIZE } from '../../stream/replay/replayDefaults.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { FIXTURES, FIXTURE_NAME, FIXTURE_SETTINGS } from './fixtureSettings.ts';
import { goldenOutputs, LAKE_VIEWS, readGoldens } from './goldenOutputs.ts';
import { stateFiles } from '../support/stateFiles.ts';
import { checkWindowCounts } from './windowCheck.ts';

const RECORDING = join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`);
const GOLDEN_DIR = join(FIXTURES, `${FIXTURE_NAME}.golden`);
const NAMES = [...LAKE_VIEWS.map((v) => `${v}.csv`), 'metrics.jsonl', 'alerts.jsonl'];

let work: string;
let recording: Recording;
let goldens: Record<string, string>;
let run = 0;
const freshDirs = () => directoriesFor(join(work, `run-${++run}`, 'lake'));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-replay-'));
  recording = await readRecording(RECORDING);
  goldens = await readGoldens(GOLDEN_DIR, NAMES);
});
afterAll(async () => {
  await recording.close();
  await rm(work, { recursive: true, force: true });
});

describe('replay of a recorded stream', () => {
  it('the goldens agree with DuckDB SQL over the generator’s ground truth (window counts per campaign and type)', async () => {
    const check = await checkWindowCounts(join(FIXTURES, `${FIXTURE_NAME}.truth.jsonl.gz`), goldens['metrics.jsonl']);
    expect(check.goldenAboveSql).toEqual([]);
    // Every valid event is in a window, except the ones the pipeline reported late.
    expect(check.sqlTotal - check.goldenTotal).toBe(check.goldenLate);
    expect(check.equalWindows / check.windows).toBeGreaterThan(0.9);
    expect(check.goldenLate).toBeGreaterThan(0);
  });

  it('hopping windows from the configuration (windowSlideMs): each 5-minute window, a minute apart, holds exactly the events DuckDB counts in it', async () => {
    // As `adstream replay` builds its settings: the configuration, here from its environment variables.
    const config = loadConfig({}, { ADSTREAM_WINDOW_MS: '300000', ADSTREAM_WINDOW_SLIDE_MS: '60000', ADSTREAM_MAX_OUT_OF_ORDERNESS_MS: '3600000' });
    const dirs = freshDirs();
    const stats = await replayToDirectory(recording, dirs, { ...config, parquetEncoder: 'direct' });
    // An hour of out-of-orderness: nothing is late, so every window must be whole.
    expect(stats.late).toBe(0);
    const merged = new Map<string, number>();
    for (const line of (await goldenOutputs(dirs))['metrics.jsonl'].split('\n').filter(Boolean)) {
      const emf = JSON.parse(line) as { key: string; window_start: number; window_end: number; count?: number; type?: string };
      if (!emf.key.startsWith('scope=stream|') || emf.type === undefined) continue;
      expect(emf.window_end - emf.window_start).toBe(300_000);
      merged.set(`${emf.window_start}|${emf.key.slice('scope=stream|'.length)}`, emf.count!);
    }
    const truth = join(FIXTURES, `${FIXTURE_NAME}.truth.jsonl.gz`).replaceAll("'", "''");
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      // Each event is in the five windows starting at its minute and the four before.
      const reader = await connection.runAndReadAll(`
        SELECT (eventTime // 60000) * 60000 - k * 60000 AS window_start, campaignId AS campaign, eventType AS type, count(*)::INTEGER AS n
        FROM read_json('${truth}', format = 'newline_delimited'), range(5) AS r(k)
        WHERE kind = 'valid'
        GROUP BY ALL`);
      const sql = new Map(reader.getRowObjectsJS().map((row) => [`${String(row.window_start)}|campaign=${String(row.campaign)}|type=${String(row.type)}`, Number(row.n)]));
      expect(sql.size).toBeGreaterThan(1_000);
      expect(merged).toEqual(sql);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('reproduces the golden lake rows, metric events and alerts exactly', async () => {
    const dirs = freshDirs();
    const stats = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS);
    expect(stats.finished).toBe(true);
    // Every record accounted for: written, rejected or duplicate.
    expect(stats.written + stats.rejected + stats.duplicates).toBe(recording.records);
    expect(stats.latePartials).toBe(0);
    const outputs = await goldenOutputs(dirs);
    for (const name of NAMES) expect(outputs[name], name).toBe(goldens[name]);

    // Each alert's query to investigate runs on the lake and finds its series' rows.
    const alerts = goldens['alerts.jsonl'].split('\n').filter(Boolean).map((line) => JSON.parse(line) as { key: string; query: string });
    expect(alerts.some((alert) => alert.key === 'quality=stream')).toBe(true);
    const lake = await LakeQuery.open(dirs.lake);
    try {
      for (const alert of alerts) expect((await lake.query(alert.query)).length, alert.query).toBeGreaterThan(0);
    } finally {
      lake.close();
    }
  });

  it('refuses, as a usage error, to resume in a state directory left by a replay that named its stream otherwise', async () => {
    const dirs = freshDirs();
    await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { stopAfterBatches: 1, unitBytes: 16_384 });
    const stream = recording.header.stream;
    recording.header.stream = 'another-stream';
    try {
      const refused = replayToDirectory(recording, dirs, FIXTURE_SETTINGS);
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      // The same records (the digest says so): the advice is sure.
      await expect(refused).rejects.toThrow(`is of a replay of these records that named its stream ${stream}, not another-stream: resume with --stream ${stream}.`);
      // A recording built in code has no digest: either may be the case.
      const undigested = replayToDirectory({ ...recording, digest: undefined }, dirs, FIXTURE_SETTINGS);
      await expect(undigested).rejects.toThrow(`is of a replay that named its stream ${stream}, not another-stream: if it was this recording, resume with --stream ${stream}; if another recording of as many records, start over`);
    } finally {
      recording.header.stream = stream;
    }
  });

  it('refuses to resume from an edited copy of the recording (as many records, one changed), and resumes from the same records in another file format', async () => {
    const text = gunzipSync(await readFile(RECORDING)).toString('utf8');
    const samePath = join(work, 'same-records.jsonl');
    await writeFile(samePath, text);
    const lines = text.split('\n');
    const [first, second] = lines.map((line, i) => ({ line, i })).filter(({ line }) => line.includes('"data"'));
    const a = JSON.parse(first.line) as { data: string };
    const b = JSON.parse(second.line) as { data: string };
    expect(a.data).not.toBe(b.data);
    lines[first.i] = JSON.stringify({ ...a, data: b.data });
    const editedPath = join(work, 'edited.jsonl');
    await writeFile(editedPath, lines.join('\n'));

    const dirs = freshDirs();
    await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { stopAfterBatches: 1, unitBytes: 16_384 });
    const edited = await readRecording(editedPath);
    try {
      expect(edited.records).toBe(recording.records);
      const refused = replayToDirectory(edited, dirs, FIXTURE_SETTINGS, { unitBytes: 16_384 });
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow('is of another recording of as many records (its records or lineage differ from this file');
    } finally {
      await edited.close();
    }
    // The digest is of the records as replay reads them: the same records as an Avro container,
    // or as JSON Lines in reverse order (each shard sorted once read), digest the same.
    const { format: _format, version: _version, ...headerFields } = recording.header;
    const avroPath = join(work, 'same-records.avro');
    const writer = await openRecordingWriter(avroPath, headerFields);
    for (const records of (await recordsByShard(recording)).values()) await writer.write(records);
    await writer.close();
    const reversedPath = join(work, 'same-records-reversed.jsonl');
    const recordLines = text.split('\n').filter((line) => line.includes('"data"'));
    await writeFile(reversedPath, [...text.split('\n').filter((line) => line !== '' && !line.includes('"data"')), ...recordLines.reverse()].join('\n'));
    for (const path of [avroPath, reversedPath]) {
      const copy = await readRecording(path);
      expect(copy.digest, path).toBe(recording.digest);
      await copy.close();
    }
    const same = await readRecording(samePath);
    try {
      expect(same.digest).toBe(recording.digest);
      const stats = await replayToDirectory(same, dirs, FIXTURE_SETTINGS, { unitBytes: 16_384 });
      expect(stats.resumed).toBe(true);
      expect(stats.finished).toBe(true);
    } finally {
      await same.close();
    }
  });

  it('refuses, as a usage error, to resume with other batch or window settings than the run started with', async () => {
    // Resumed with another batch size, the unit it stopped in was cut again and some of its rows
    // were written a second time under other file names; another window size mixed two sizes in one table.
    const dirs = freshDirs();
    await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { stopAfterBatches: 1, batchSize: 500, unitBytes: 16_384 });
    const otherBatches = replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { batchSize: 50, unitBytes: 16_384 });
    await expect(otherBatches).rejects.toBeInstanceOf(ConfigError);
    await expect(otherBatches).rejects.toThrow(/was written with other settings \(--batch-size 500 → 50\); resume with the settings the run started with/);
    await expect(replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowMs: 300_000 }, { batchSize: 500, unitBytes: 16_384 })).rejects.toThrow(/"sizeMs":60000.* → .*"sizeMs":300000/);
    await expect(replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowSlideMs: 30_000 }, { batchSize: 500, unitBytes: 16_384 })).rejects.toThrow(/"slideMs":30000/);
    // With the settings it started with, it resumes; a slide of the window's own length is the same tumbling windows.
    const resumed = await replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowSlideMs: FIXTURE_SETTINGS.windowMs }, { batchSize: 500, unitBytes: 16_384 });
    expect(resumed).toMatchObject({ resumed: true, finished: true });
  });

  it('killed before its first checkpoint, it still refuses other settings, and another state directory is not taken for its own', async () => {
    // The claim (replay-claim.json) is written before the first lake file: run again with another
    // lakeFileTargetBytes, the killed run's rows were written a second time under other names.
    const dirs = freshDirs();
    await expect(replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { crashBeforeCheckpointOf: 1, unitBytes: 16_384 })).rejects.toBeInstanceOf(ReplayCrash);
    await expect(replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { unitBytes: 32_768 })).rejects.toThrow(/the replay claim in .* was written with other settings \(lakeFileTargetBytes 16384 → 32768\)/);
    // An existing but empty --state beside that lake is not this replay's: refused before anything is read.
    const other = join(work, `run-${run}`, 'other-state');
    await mkdir(other, { recursive: true });
    expect(await main(['node', 'adstream', 'replay', RECORDING, '--lake', dirs.lake, '--state', other])).toBe(2);
    expect(await readdir(other)).toEqual([]);
    // Its state, given with another lake that holds files, is refused too: the claim names its lake.
    const otherLake = freshDirs();
    await replayToDirectory(recording, otherLake, FIXTURE_SETTINGS, { stopAfterBatches: 1, unitBytes: 16_384 });
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['node', 'adstream', 'replay', RECORDING, '--lake', otherLake.lake, '--state', dirs.state])).toBe(2);
      expect(said.mock.calls.flat().join('\n')).toContain(`--state ${dirs.state} belongs to the replay into ${dirs.lake}`);
    } finally {
      said.mockRestore();
    }
    const resumed = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { unitBytes: 16_384 });
    expect(resumed).toMatchObject({ finished: true });
    const outputs = await goldenOutputs(dirs);
    expect(outputs['impressions.csv']).toBe(goldens['impressions.csv']);
  });

  it('resumed, refuses other metrics or alert-log places, which would split a run in two, and run when done says there is nothing to do', async () => {
    const dirs = freshDirs();
    // The first run stopped after one commit point, with the settings the command passes (the default groupings spelled out).
    await replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowGroupings: 'campaign,type;campaign' }, { stopAfterBatches: 1, unitBytes: 16_384 });
    const env = { ADSTREAM_LAKE_FILE_TARGET_BYTES: '16384' };
    const [alerts, metrics] = await Promise.all([
      adstream(['replay', RECORDING, '--lake', dirs.lake, '--alert-log', join(work, 'elsewhere.jsonl')], env),
      adstream(['replay', RECORDING, '--lake', dirs.lake, '--metrics', join(work, 'elsewhere-metrics')], env),
    ]);
    expect([alerts.code, metrics.code]).toEqual([2, 2]);
    expect(alerts.stderr.trim()).toBe(
      `adstream: --alert-log ${join(work, 'elsewhere.jsonl')} is not where the replay being resumed writes it (${dirs.alertLog}): resume with --alert-log ${dirs.alertLog}, or start over with an empty state directory (--state) and another --lake.`,
    );
    expect(metrics.stderr).toContain(`--metrics ${join(work, 'elsewhere-metrics')} is not where the replay being resumed writes it (${dirs.metrics})`);
    const resumed = await adstream(['replay', RECORDING, '--lake', dirs.lake], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^resumed and replayed \d+ records of \S+: commit points \d+ \(all runs; the counts that follow are this run's\) · in \d+/m);
    expect((await goldenOutputs(dirs))['alerts.jsonl']).toBe(goldens['alerts.jsonl']);
    const again = await adstream(['replay', RECORDING, '--lake', dirs.lake], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`^nothing to do: the replay of ${recording.records} records of ${recording.header.stream} into ${dirs.lake} was already complete \\(\\d+ commit points\\)\\.$`, 'm'));
  });

  it('refuses, as a usage error, a lake removed after the replay committed into it while its state stays, rather than say there is nothing to do', async () => {
    // It said "nothing to do: ... already complete" over a lake that no longer existed, and a
    // stopped one resumed wrote only the records after its checkpoint.
    for (const stopAfterBatches of [1, undefined]) {
      const dirs = freshDirs();
      // The settings the command passes (the default groupings spelled out), so that only the lake stands in the way.
      await replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowGroupings: 'campaign,type;campaign' }, { stopAfterBatches, unitBytes: 16_384 });
      await rm(dirs.lake, { recursive: true });
      const outcome = await adstream(['replay', RECORDING, '--lake', dirs.lake], { ADSTREAM_LAKE_FILE_TARGET_BYTES: '16384' });
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^adstream: --state ${dirs.state} holds a replay that committed \\d+ records into ${dirs.lake}, which holds no lake file now \\(removed\\?\\): to replay afresh, remove ${dirs.state}, ${dirs.metrics} and ${dirs.alertLog} as well, or give another --state\\.$`),
      );
    }
  });

  it('killed and resumed from its checkpoint at several points (between commit points and mid-commit) it equals the golden', async () => {
    const dirs = freshDirs();
    // Commit points every 16 KiB of record data: each gathers parts of both shards.
    const units = { unitBytes: 16_384 };
    const first = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { ...units, stopAfterBatches: 2 });
    expect(first.finished).toBe(false);
    // A crash after the commit point's files, alerts and snapshots were written but before the checkpoint moved.
    await expect(replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { ...units, crashBeforeCheckpointOf: 4 })).rejects.toBeInstanceOf(ReplayCrash);
    const third = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { ...units, stopAfterBatches: 2 });
    expect(third.resumed).toBe(true);
    expect(third.finished).toBe(false);
    const last = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, units);
    expect(last.finished).toBe(true);
    expect(last.batches).toBeGreaterThan(6);
    const outputs = await goldenOutputs(dirs);
    for (const name of NAMES) expect(outputs[name], name).toBe(goldens[name]);
  });

  it('commits after every part or once for the whole recording with the same outputs, and keeps only the snapshots its checkpoint names and the dedupe segments they name', async () => {
    for (const unitBytes of [0, 1 << 30]) {
      const dirs = freshDirs();
      const stats = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { unitBytes });
      const parts = [...recording.shards.values()].reduce((n, records) => n + Math.ceil(records.length / DEFAULT_REPLAY_BATCH_SIZE), 0);
      expect(stats.batches).toBe(unitBytes === 0 ? parts : 1);
      const outputs = await goldenOutputs(dirs);
      for (const name of NAMES) expect(outputs[name], `${name} with unitBytes ${unitBytes}`).toBe(goldens[name]);
      const { snapshots, unnamedSegments } = await stateFiles(dirs.state);
      expect(snapshots.length, 'one snapshot per shard').toBe(recording.shards.size);
      expect(unnamedSegments, 'dedupe segments no snapshot names').toEqual([]);
    }
  });

  it('reads the shards in parts of any size (--batch-size) with the same lake rows, alerts and window metrics', async () => {
    // The operational lines count the parts themselves; every other EMF line is the same set,
    // written in another order as parts interleave differently.
    const windowLines = (emf: string) => emf.split('\n').filter((line) => line && !line.includes('"ops":')).sort();
    for (const batchSize of [37, 5_000]) {
      const dirs = freshDirs();
      await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { batchSize });
      const outputs = await goldenOutputs(dirs);
      for (const name of NAMES.filter((n) => n !== 'metrics.jsonl')) expect(outputs[name], `${name} in parts of ${batchSize}`).toBe(goldens[name]);
      const lines = windowLines(outputs['metrics.jsonl']);
      expect(lines.filter((line) => line.includes('"scope":"stream"')).length).toBeGreaterThan(1_000);
      expect(lines, `stream-wide windows in parts of ${batchSize}`).toEqual(windowLines(goldens['metrics.jsonl']));
    }
  });

  it('keys windows by the configured groupings, as the worker does: publisher windows add up to the campaign ones; a bad grouping is a usage error', async () => {
    const dirs = freshDirs();
    await replayToDirectory(recording, dirs, { ...FIXTURE_SETTINGS, windowGroupings: 'campaign,type;campaign;publisher' });
    const outputs = await goldenOutputs(dirs);
    // Lake rows do not depend on how windows are keyed.
    expect(outputs['impressions.csv']).toBe(goldens['impressions.csv']);
    const perWindow = (dimension: string) => {
      const totals = new Map<number, number>();
      for (const line of outputs['metrics.jsonl'].split('\n').filter(Boolean)) {
        const emf = JSON.parse(line) as { key: string; window_start: number; impressions?: number };
        if (emf.impressions === undefined || !new RegExp(`^scope=stream\\|${dimension}=[^|]+$`).test(emf.key)) continue;
        totals.set(emf.window_start, (totals.get(emf.window_start) ?? 0) + emf.impressions);
      }
      return totals;
    };
    const byPublisher = perWindow('publisher');
    expect(byPublisher.size).toBeGreaterThan(30);
    expect(byPublisher).toEqual(perWindow('campaign'));

    process.env.ADSTREAM_WINDOW_GROUPINGS = 'campaign,size';
    try {
      expect(await main(['node', 'adstream', 'replay', RECORDING, '--lake', join(work, 'bad-groupings', 'lake')])).toBe(2);
    } finally {
      delete process.env.ADSTREAM_WINDOW_GROUPINGS;
    }
  });

  it('adstream replay: a missing recording is a usage error (exit 2), a good one replays (exit 0)', async () => {
    expect(await main(['node', 'adstream', 'replay', join(work, 'nope.jsonl.gz'), '--lake', join(work, 'cli', 'lake')])).toBe(2);
    const lake = join(work, 'cli', 'lake');
    expect(await main(['node', 'adstream', 'replay', RECORDING, '--lake', lake])).toBe(0);
    const outputs = await goldenOutputs(directoriesFor(lake));
    expect(outputs['impressions.csv']).toBe(goldens['impressions.csv']);
  });

  it('adstream replay of a recording of no records leaves the lake it names, which query reads as empty', async () => {
    // The lake was made by its first file: the replay named a lake that query then said did not exist.
    const headerOnly = join(work, 'no-records.jsonl');
    await writeFile(headerOnly, `${gunzipSync(await readFile(RECORDING)).toString('utf8').split('\n')[0]}\n`);
    const lake = join(work, 'no-records', 'lake');
    const replayed = await adstream(['replay', headerOnly, '--lake', lake]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stderr).toContain(`lake ${lake} · `);
    const counted = await adstream(['query', '--json', '--lake', lake, 'SELECT count(*) AS n FROM impressions']);
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout).toBe('{"n":0}\n');
    // The summary names an alert log; a replay without alerts left none, and digest refused its day.
    expect(replayed.stderr).toContain(`alerts ${lake}.alerts.jsonl`);
    const digest = await adstream(['digest', '--day', '2026-11-01', '--alerts', `${lake}.alerts.jsonl`, '--lake', lake, '--out', join(work, 'no-records', 'digest.md')]);
    expect(digest.code, digest.stderr).toBe(0);
    expect(digest.stdout).toMatch(/alerts raised: +0 /);
  });
});
