/**
 * `adstream produce` with several event files, as `adstream generate` writes them (impressions,
 * clicks with conversions, bid requests apart): they go on the stream interleaved by event time,
 * as live traffic would. Put one after another, every file after the first trailed the watermark
 * by the whole span of the files before it, and most of its events were counted late.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecordsFromFile } from '../../../stream/events/files.ts';
import { decodeRecord } from '../../../stream/events/wire.ts';
import { oversizedRecordProblem, recordsOfFiles } from '../../../stream/producer/fileRecords.ts';
import { adstream } from '../../support/cli.ts';

let dir: string;
let files: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-files-'));
  const outcome = await adstream(['generate', '--out', dir, '--hours', '1', '--seed', '7', '--rate', '60']);
  expect(outcome.code, outcome.stderr).toBe(0);
  files = ['impressions.jsonl', 'clicks_conversions.csv', 'bid_requests.avro'].map((name) => join(dir, name));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Event times of the records that parse, in order (null for those that do not). */
const timesOf = (records: Uint8Array[]): (number | null)[] =>
  records.map((data) => {
    const decoded = decodeRecord(data, { arrivalTime: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY });
    return decoded.ok ? decoded.event.body.event_time : null;
  });

/**
 * Share of timed records more than a minute behind the newest event time before them: what a 60 s
 * window would count late. Times a day or more from the median are left out, as the pipeline
 * rejects them (the generator's clocks a year ahead, epoch seconds).
 */
function lateShare(times: (number | null)[]): number {
  const sorted = times.filter((t): t is number => t !== null).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  let newest = Number.NEGATIVE_INFINITY;
  let late = 0;
  let timed = 0;
  for (const time of times) {
    if (time === null || Math.abs(time - median) >= 86_400_000) continue;
    timed += 1;
    if (time < newest - 60_000) late += 1;
    newest = Math.max(newest, time);
  }
  return late / timed;
}

describe('several event files', () => {
  it('are interleaved by event time: each file in its own order, hardly anything late', async () => {
    const perFile: Uint8Array[][] = [];
    for (const file of files) {
      const records: Uint8Array[] = [];
      for await (const data of readRecordsFromFile(file)) records.push(data);
      perFile.push(records);
    }
    const merged: Uint8Array[] = [];
    for await (const record of recordsOfFiles(files)) merged.push(record.data);

    // Every record once, and each file's records in the file's own order.
    expect(merged.length).toBe(perFile.reduce((n, records) => n + records.length, 0));
    // (A retried record appears twice with the same bytes: its copies take its positions in turn.)
    const positions = new Map<string, number[]>();
    merged.forEach((data, i) => {
      const key = Buffer.from(data).toString('base64');
      positions.set(key, [...(positions.get(key) ?? []), i]);
    });
    for (const records of perFile) {
      const at = records.map((data) => positions.get(Buffer.from(data).toString('base64'))!.shift()!);
      expect(at.every((p, i) => i === 0 || p > at[i - 1])).toBe(true);
    }
    // One file after another: everything after the first file is behind; interleaved: only the generator's own late events.
    expect(lateShare(timesOf(perFile.flat()))).toBeGreaterThan(0.5);
    expect(lateShare(timesOf(merged))).toBeLessThan(0.05);
  });

  it('are refused before anything is put when one record is over what Kinesis takes', async () => {
    const lines = (await readFile(files[0], 'utf8')).split('\n').filter((line) => line !== '');
    const huge = lines[1].replace('"event_id":"', `"event_id":"${'x'.repeat(1024 * 1024)}`);
    const path = join(dir, 'with-a-huge-line.jsonl');
    await writeFile(path, [lines[0], huge, lines[2]].join('\n'));
    expect(await oversizedRecordProblem(files[0])).toBeUndefined();
    expect(await oversizedRecordProblem(path)).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: record 2 is \\d+ bytes with its partition key, and Kinesis takes at most 1048576 \\(1 MiB\\) a record; nothing was put\\.$`));
    // The command says so in one sentence and exits 2, before it opens a connection.
    const outcome = await adstream(['produce', '--stream', 'never-made', path]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toMatch(/^adstream: .*record 2 is \d+ bytes .*nothing was put\.$/);
  });
});
