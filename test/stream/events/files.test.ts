import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventFileProblem, readRecordsFromFile, writeEventsFile } from '../../../stream/events/files.ts';
import { decodeRecord, encodeEvent } from '../../../stream/events/wire.ts';
import { bidRequestV0Schema } from '../../../stream/events/registry.ts';
import { avroTypes } from '../../../stream/events/schemas.ts';
import type { AdEvent, DecodeResult } from '../../../stream/events/types.ts';
import { T0, bidRequest, click, conversion, impression } from './eventFixtures.ts';


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readBack(path: string): Promise<DecodeResult[]> {
  const results: DecodeResult[] = [];
  for await (const record of readRecordsFromFile(path)) results.push(decodeRecord(record, { arrivalTime: T0 }));
  return results;
}

async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create();
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('event files', () => {
  const impressions: AdEvent[] = [
    { type: 'impression', body: impression({ event_id: 'i-1' }) },
    { type: 'impression', body: impression({ event_id: 'i-2', auction_id: null, placement: 'line\nbreak' }) },
  ];
  const clicksAndConversions: AdEvent[] = [
    { type: 'click', body: click({ event_id: 'k-1' }) },
    { type: 'conversion', body: conversion({ event_id: 'v-1', conversion_type: 'sign\nup, "beta"' }) },
    { type: 'click', body: click({ event_id: 'k-2', placement: 'a,b' }) },
  ];
  const bids: AdEvent[] = Array.from({ length: 50 }, (_, i) => ({
    type: 'bid_request' as const,
    body: bidRequest({ event_id: `b-${i}`, won: i % 3 === 0, bid_price_micros: 1000 + i }),
  }));

  it('round-trips impressions through JSON Lines, one object per line', async () => {
    const path = join(dir, 'impressions.jsonl');
    await writeEventsFile(path, impressions);
    expect(await readBack(path)).toEqual(impressions.map((event) => ({ ok: true, event })));
    // Independent reader: DuckDB sees two rows with the right ids and a NULL auction_id.
    const rows = await duckRows(`SELECT event_id, auction_id FROM read_json('${path}', format='newline_delimited') ORDER BY event_id`);
    expect(rows).toEqual([
      { event_id: 'i-1', auction_id: 'au-1' },
      { event_id: 'i-2', auction_id: null },
    ]);
  });

  it('round-trips clicks and conversions through CSV, including quoted newlines', async () => {
    const path = join(dir, 'clicks.csv');
    await writeEventsFile(path, clicksAndConversions);
    expect(await readBack(path)).toEqual(clicksAndConversions.map((event) => ({ ok: true, event })));
    // Independent RFC 4180 reader: DuckDB finds three rows and the quoted cells intact.
    const rows = await duckRows(
      `SELECT column00 AS type, column01 AS id FROM read_csv('${path}', header=false, all_varchar=true, null_padding=true, quote='"', escape='"') ORDER BY id`,
    );
    expect(rows).toEqual([
      { type: 'click', id: 'k-1' },
      { type: 'click', id: 'k-2' },
      { type: 'conversion', id: 'v-1' },
    ]);
  });

  it('round-trips bid requests through an Avro container file as single-object records', async () => {
    const path = join(dir, 'bids.avro');
    await writeEventsFile(path, bids);
    const records: Buffer[] = [];
    for await (const record of readRecordsFromFile(path)) records.push(record);
    expect(records.every((r) => r[0] === 0xc3 && r[1] === 0x01)).toBe(true);
    expect(records.map((r) => decodeRecord(r, { arrivalTime: T0 }))).toEqual(bids.map((event) => ({ ok: true, event })));
  });

  it('writes the same bid requests to the same Avro bytes, and other ones under another sync marker', async () => {
    // avsc picks a random sync marker per file: the same seed's traffic differed run to run.
    const [first, second, other] = ['same-1.avro', 'same-2.avro', 'other.avro'].map((name) => join(dir, name));
    await writeEventsFile(first, bids);
    await writeEventsFile(second, bids);
    await writeEventsFile(other, bids.slice(1));
    const [a, b] = await Promise.all([first, second].map((path) => readFile(path)));
    expect(a.equals(b)).toBe(true);
    const syncOf = (path: string) => (avro.extractFileHeader(path) as { sync: Buffer }).sync.toString('hex');
    expect(syncOf(first)).not.toBe(syncOf(other));
  });

  it('reads a container written with the older v0 writer schema', async () => {
    const path = join(dir, 'bids-v0.avro');
    const file = createWriteStream(path);
    const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(bidRequestV0Schema));
    encoder.pipe(file);
    encoder.end({ ...bidRequest({ event_id: 'old-1' }), deal_id: null, floor_currency: 'USD' });
    await finished(file);
    expect(await readBack(path)).toEqual([{ ok: true, event: { type: 'bid_request', body: bidRequest({ event_id: 'old-1' }) } }]);
  });

  it('puts container strings as written, so one that is not UTF-8 is rejected by the consumer as on the wire (it was stored repaired), whatever bid_request writer schema the container has', async () => {
    // The current schema (its rows go as written) and one the registry does not know (a field more: resolved here).
    const current = avroTypes.bid_request.schema() as { fields: unknown[] };
    const extended = avro.Type.forSchema({ ...current, fields: [...current.fields, { name: 'note', type: 'string', default: '' }] } as avro.Schema);
    for (const [name, type] of [['current', avroTypes.bid_request], ['extended', extended]] as const) {
      const path = join(dir, `bad-utf8-${name}.avro`);
      const file = createWriteStream(path);
      // The null codec keeps the bytes as written: the placeholder is then replaced by invalid UTF-8 of the same length.
      const encoder = new avro.streams.BlockEncoder(type, { codec: 'null' });
      encoder.pipe(file);
      encoder.write({ ...bidRequest({ event_id: 'good-1' }), note: 'n' });
      encoder.end({ ...bidRequest({ event_id: 'bad-1', user_id: 'puZ1' }), note: 'n' });
      await finished(file);
      const bytes = await readFile(path);
      const at = bytes.indexOf('puZ1');
      expect(at, name).toBeGreaterThan(0);
      bytes[at + 2] = 0xff;
      await writeFile(path, bytes);
      const results = await readBack(path);
      expect(results[0], name).toEqual({ ok: true, event: { type: 'bid_request', body: bidRequest({ event_id: 'good-1' }) } });
      expect(results[1], name).toMatchObject({ ok: false, rejection: { reason: 'invalid_utf8', detail: 'bid_request field user_id holds bytes that are not valid UTF-8' } });
    }
  });

  it('puts a long of 2^53 − 1 exactly (avsc refused it), and names the file and row of a container row it cannot read', async () => {
    const path = join(dir, 'big-long.avro');
    const file = createWriteStream(path);
    const encoder = new avro.streams.BlockEncoder(avroTypes.bid_request, { codec: 'null' });
    encoder.pipe(file);
    encoder.write(bidRequest({ event_id: 'fine-1' }));
    encoder.end(bidRequest({ event_id: 'big-1', floor_micros: 2 ** 53 - 2 }));
    await finished(file);
    // 2^53 − 2 as written, made 2^53 − 1 (zig-zag varints of the same length), beyond what avsc reads by itself.
    const bytes = await readFile(path);
    const at = bytes.indexOf(Buffer.from('fcffffffffffff1f', 'hex'));
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0xfe;
    await writeFile(path, bytes);
    expect((await readBack(path))[1]).toEqual({ ok: true, event: { type: 'bid_request', body: bidRequest({ event_id: 'big-1', floor_micros: Number.MAX_SAFE_INTEGER }) } });
    // The second row's event_id length made negative (zig-zag 0x7f is −64): that row cannot be read.
    const idAt = bytes.indexOf('big-1');
    bytes[idAt - 1] = 0x7f;
    await writeFile(path, bytes);
    await expect(readBack(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} row 2 cannot be read as a bid request: `));
  });

  it('names the row of a container whose boolean byte is neither 0 nor 1, rather than putting it as won = true', async () => {
    const path = join(dir, 'bad-boolean.avro');
    const file = createWriteStream(path);
    const encoder = new avro.streams.BlockEncoder(avroTypes.bid_request, { codec: 'null' });
    encoder.pipe(file);
    encoder.write(bidRequest({ event_id: 'fine-1' }));
    // won, then bidder_latency_ms 45 (the zig-zag varint 0x5a): the last two bytes of the row.
    encoder.end(bidRequest({ event_id: 'odd-2', won: true, bidder_latency_ms: 45 }));
    await finished(file);
    const bytes = await readFile(path);
    const at = bytes.indexOf(Buffer.from([0x01, 0x5a]), bytes.indexOf('odd-2'));
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0x02;
    await writeFile(path, bytes);
    await expect(readBack(path)).rejects.toThrow(`${path} row 2 cannot be read as a bid request: a boolean is the byte 0 or 1, got 0x02.`);
  });

  it('passes malformed lines through so the consumer rejects them as data', async () => {
    const path = join(dir, 'mixed.csv');
    await writeFile(path, 'click,only,three\r\n\r\nview,x\n');
    expect((await readBack(path)).map((r) => (r.ok ? 'ok' : r.rejection.reason))).toEqual(['csv_column_count', 'csv_unknown_type']);
  });

  it('keeps a stray quote in an unquoted cell to its own line: the lines after it are records of their own', async () => {
    const path = join(dir, 'stray.csv');
    await writeEventsFile(path, clicksAndConversions.filter((event) => event.type === 'click'));
    const good = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '' && !line.includes('"'));
    expect(good.length).toBeGreaterThan(0);
    const stray = good[0].replace(/,u-(\w+),/, ',u"$1,');
    expect(stray).not.toBe(good[0]);
    await writeFile(path, [good[0], stray, ...good, ''].join('\n'));
    const outcomes = (await readBack(path)).map((r) => (r.ok ? 'ok' : r.rejection.reason));
    // One record per line: only the line with the stray quote can be rejected.
    expect(outcomes).toHaveLength(good.length + 2);
    expect(outcomes.filter((o, i) => i !== 1 && o !== 'ok')).toEqual([]);
  });

  it('refuses events that do not belong in the file format', async () => {
    await expect(writeEventsFile(join(dir, 'x.jsonl'), clicksAndConversions)).rejects.toThrow(/impression events only; got a click/);
    await expect(writeEventsFile(join(dir, 'x.parquet'), impressions)).rejects.toThrow(/unsupported event file/);
  });

  it('says why the producer cannot put a file before it puts any of it: missing, foreign or cut short', async () => {
    const good = join(dir, 'whole.avro');
    await writeEventsFile(good, Array.from({ length: 40 }, () => bids).flat());
    expect(await eventFileProblem(good)).toBeUndefined();
    const body = await readFile(good);
    const cut = join(dir, 'cut.avro');
    await writeFile(cut, body.subarray(0, body.length - 100));
    expect(await eventFileProblem(cut)).toBe(`${cut} is cut short: it does not end with a block's sync marker, so its last block is incomplete; nothing was put.`);
    for (const [name, bytes] of [['empty.avro', ''], ['junk.avro', 'hello'], ['magic-only.avro', 'Obj\x01garbage']]) {
      const path = join(dir, name);
      await writeFile(path, bytes, 'latin1');
      expect(await eventFileProblem(path), name).toMatch(/is not an Avro object container file/);
    }
    expect(await eventFileProblem(join(dir, 'nowhere.jsonl'))).toBe(`the event file ${join(dir, 'nowhere.jsonl')} does not exist.`);
    expect(await eventFileProblem(join(dir, 'x.parquet'))).toMatch(/^unsupported event file .*\.$/);
  });

  it('refuses a container of another record type, a CSV file with a header line and a pretty-printed .jsonl, before anything is put', async () => {
    // A container file of `schema` holding `records`, flushed (the encoder's end is not the file's).
    const container = async (path: string, schema: avro.Schema, records: unknown[]) => {
      const file = createWriteStream(path);
      const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(schema));
      encoder.pipe(file);
      for (const record of records) encoder.write(record);
      encoder.end();
      await finished(file);
    };
    const foreign = join(dir, 'foreign.avro');
    await container(foreign, { type: 'record', name: 'Visit', fields: [{ name: 'page', type: 'string' }] }, [{ page: '/' }]);
    expect(await eventFileProblem(foreign)).toMatch(new RegExp(`^${foreign} holds Avro records that cannot be read as bid requests \\(.*Visit.*\\); bid requests go in a container of the bid_request schema`));
    // An older bid_request schema is still bid requests: resolved, not refused.
    const older = join(dir, 'older.avro');
    await container(older, bidRequestV0Schema as avro.Schema, [{ ...bidRequest({ event_id: 'old-1' }), deal_id: null, floor_currency: 'USD' }]);
    expect(await eventFileProblem(older)).toBeUndefined();

    const lines = clicksAndConversions.map((event) => encodeEvent(event).toString('utf8'));
    const headed = join(dir, 'headed.csv');
    await writeFile(headed, `\uFEFFtype,event_id,event_time,campaign_id\r\n${lines.join('\r\n')}\r\n`);
    expect(await eventFileProblem(headed)).toBe(
      `${headed} starts with a header line ("type,event_id,event_time,campaign_id"), but adstream's CSV records have none (each line is a click or a conversion): remove it; nothing was put.`,
    );
    const plain = join(dir, 'plain.csv');
    await writeFile(plain, `${lines.join('\n')}\n`);
    expect(await eventFileProblem(plain)).toBeUndefined();

    // Pretty-printed JSON named .jsonl: each line would be put as a record, and every one rejected.
    const pretty = join(dir, 'pretty.jsonl');
    await writeFile(pretty, `${JSON.stringify(impression(), null, 2)}\n`);
    expect(await eventFileProblem(pretty)).toBe(
      `${pretty} starts with a line "{" alone, as pretty-printed JSON does, but each line of a .jsonl file is put as one impression: write one object per line (e.g. jq -c '.' or, for an array, jq -c '.[]'); nothing was put.`,
    );
    const jsonLines = join(dir, 'lines.jsonl');
    await writeFile(jsonLines, `${JSON.stringify(impression())}\n`);
    expect(await eventFileProblem(jsonLines)).toBeUndefined();
  });
});
