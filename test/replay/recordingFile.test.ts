/**
 * The recording file as users handle it: gzip JSON Lines or an Avro container as `adstream record`
 * writes it, or gunzipped to be looked at; anything else is refused with a sentence that names
 * the file and what is wrong.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import avro from 'avsc';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { recordsByShard, RecordingError, type Recording } from '../../stream/replay/recording.ts';
import { openRecordingWriter, readRecording as readRecordingFile } from '../../stream/replay/recordingFile.ts';
import { FIXTURES, FIXTURE_NAME } from './fixtureSettings.ts';
import { expectEqual } from '../support/expectEqual.ts';

const RECORDING = join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`);
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-recording-'));
});
/** Recordings read here, whose spools are removed at the end. */
const opened: Recording[] = [];
const readRecording = async (path: string, options?: { allowTruncated?: boolean }): Promise<Recording> => {
  const recording = await readRecordingFile(path, options);
  opened.push(recording);
  return recording;
};
afterAll(async () => {
  for (const recording of opened) await recording.close();
  await rm(work, { recursive: true, force: true });
});

/** The fixture as an Avro container, for cutting. */
async function avroCopy(): Promise<Buffer> {
  const path = join(work, 'whole.avro');
  const recording = await readRecording(RECORDING);
  const writer = await openRecordingWriter(path, { stream: recording.header.stream, shards: recording.header.shards });
  for (const records of (await recordsByShard(recording)).values()) await writer.write(records);
  await writer.close();
  return readFile(path);
}

/** Another tool's container whose records lack a partition key, long enough not to be read whole before the first is refused. */
async function keylessAvro(codec: 'null' | 'snappy' = 'null'): Promise<Buffer> {
  const type = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'ShardId', type: 'string' }, { name: 'SequenceNumber', type: 'string' }, { name: 'ApproximateArrivalTimestamp', type: 'long' }, { name: 'Data', type: 'bytes' }] });
  // The header names the codec, which is all a reader goes by before it decodes a block.
  const snappy = { snappy: (buffer: Buffer, done: (error: null, out: Buffer) => void) => done(null, buffer) };
  const encoder = new avro.streams.BlockEncoder(type, codec === 'null' ? { codec } : { codec, codecs: snappy });
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  for (let i = 1; i <= 5_000; i++) encoder.write({ ShardId: 's', SequenceNumber: String(i), ApproximateArrivalTimestamp: 1e12, Data: Buffer.alloc(100) });
  encoder.end();
  await once(encoder, 'end');
  return Buffer.concat(chunks);
}

const HEADER = JSON.stringify({ format: 'adstream-recording', version: 1, stream: 's', shards: ['shardId-0'] });

describe('recording files', () => {
  it('reads a gunzipped recording as it reads the gzip one, with CRLF line ends and no final newline too', async () => {
    const text = gunzipSync(await readFile(RECORDING)).toString('utf8');
    const plain = join(work, 'plain.jsonl');
    const windows = join(work, 'windows.jsonl');
    await writeFile(plain, text);
    await writeFile(windows, text.trimEnd().replaceAll('\n', '\r\n'));
    const [gzipped, unzipped, crlf] = await Promise.all([readRecording(RECORDING), readRecording(plain), readRecording(windows)]);
    expect(gzipped.records).toBeGreaterThan(1000);
    for (const copy of [unzipped, crlf]) {
      expect(copy.records).toBe(gzipped.records);
      expect(copy.header).toEqual(gzipped.header);
      expectEqual(await recordsByShard(copy), await recordsByShard(gzipped));
    }
  });

  it('reads what other tools write: a byte-order mark, unpadded or wrapped base64, times without a zone (UTC) or in µs, a record read twice once', async () => {
    const record = { ShardId: 'shardId-0', SequenceNumber: '12', PartitionKey: 'k', ApproximateArrivalTimestamp: '2026-12-03T10:00:56.853', Data: 'aGVsbG8' };
    const micros = { ...record, SequenceNumber: '13', ApproximateArrivalTimestamp: 1_796_292_056_853_000, Data: 'aGVs\nbG8h' };
    const path = join(work, 'others.jsonl');
    await writeFile(path, `\uFEFF${[record, micros, record].map((r) => JSON.stringify(r)).join('\n')}\n`);
    const recording = await readRecording(path);
    expect(recording.records).toBe(2);
    expect(recording.repeats).toBe(1);
    const [first, second] = await recording.shards.get('shardId-0')!.all();
    expect(first.arrivalTime).toBe(Date.UTC(2026, 11, 3, 10, 0, 56, 853));
    expect(second.arrivalTime).toBe(1_796_292_056_853);
    expect([Buffer.from(first.data).toString(), Buffer.from(second.data).toString()]).toEqual(['hello', 'hello!']);
  });

  it('refuses what is not a recording, naming the file and the problem', async () => {
    const apiRecord = { SequenceNumber: '1', ApproximateArrivalTimestamp: '2026-12-03T10:00:00.000Z', PartitionKey: 'k', Data: 'AA==' };
    const cases: [string, string | Buffer, RegExp][] = [
      ['notes.txt', 'hello\n', /notes\.txt is not a recording: it is neither JSON Lines nor JSON documents/],
      ['other.jsonl.gz', gzipSync('{"some":"json"}\n'), /other\.jsonl\.gz line 1 is not a Kinesis record: it lacks shard \(ShardId\), seq \(SequenceNumber\), arrival \(ApproximateArrivalTimestamp\), key \(PartitionKey\), data \(Data\)\./],
      ['future.jsonl', JSON.stringify({ format: 'adstream-recording', version: 9, stream: 's', shards: [] }) + '\n', /format version 9; this adstream reads version 1/],
      ['nokey.jsonl', `${HEADER}\n${JSON.stringify({ shard: 'shardId-0', seq: '1', arrival: 0, data: 'AA==' })}\n`, /nokey\.jsonl line 2 is not a Kinesis record: it lacks key \(PartitionKey\)\./],
      ['badline.jsonl', `${HEADER}\n{"shard":\n`, /badline\.jsonl line 2 is not JSON/],
      ['text-data.json', JSON.stringify({ Records: [apiRecord, { ...apiRecord, Data: '{"not":"base64"}' }] }, null, 2), /text-data\.json document at line 1, record 2 is not a Kinesis record: its data \(Data\) "\{\\"not\\":\\"base64\\"\}" is not base64\./],
      ['bad-time.jsonl', JSON.stringify({ ...apiRecord, ShardId: 's', ApproximateArrivalTimestamp: 'yesterday' }), /bad-time\.jsonl line 1 is not a Kinesis record: its arrival \(ApproximateArrivalTimestamp\) "yesterday" is not a time between 1970 and 9999\./],
      ['cut.json', '{\n    "Records": [\n', /cut\.json ends inside the JSON document that starts at line 1/],
      ['truncated.avro', Buffer.from('Obj\x01\x04', 'latin1'), /truncated\.avro could not be read as an Avro container/],
      ['keyless.avro', await keylessAvro(), /keyless\.avro datum 1 is not a Kinesis record: it lacks key \(PartitionKey\)\./],
      ['cut.avro', (await avroCopy()).subarray(0, 40_000), /cut\.avro is cut short after datum \d+: it does not end with a block's sync marker, .*; pass --allow-truncated to replay the records before the cut\./],
      ['cut.jsonl.gz', (await readFile(RECORDING)).subarray(0, 30_000), /cut\.jsonl\.gz is cut short after line \d+, .*; pass --allow-truncated/],
      // Cut inside its first line: --allow-truncated was offered, and then it was "empty".
      ['cut-early.jsonl.gz', (await readFile(RECORDING)).subarray(0, 40), /cut-early\.jsonl\.gz is cut short before anything in it can be read\.$/],
      ['no-shard.jsonl', JSON.stringify(apiRecord), /no-shard\.jsonl line 1 is not a Kinesis record: it lacks shard \(ShardId\)\./],
      // A JSON number loses a real sequence number's digits beyond 2^53: refused, saying why.
      ['numeric-seq.jsonl', JSON.stringify({ ...apiRecord, ShardId: 's', SequenceNumber: 1005, PartitionKey: 7 }), /numeric-seq\.jsonl line 1 is not a Kinesis record: its seq \(SequenceNumber\) 1005 is not decimal digits in a string; its key \(PartitionKey\) 7 is not a string\./],
      // Formats a capture can come in that replay does not read, said by name with what to do.
      ['capture-utf16.json', Buffer.from('\ufeff{"Records": []}\n', 'utf16le'), /capture-utf16\.json is UTF-16 text \(as PowerShell's > writes it\), which replay does not read: write it as UTF-8/],
      ['capture.json.bz2', Buffer.from('BZh91AY&SY', 'latin1'), /capture\.json\.bz2 is bzip2-compressed, which replay does not read: decompress it \(bunzip2\), or recompress it with gzip\./],
      ['capture.json.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), /capture\.json\.zst is zstd-compressed, which replay does not read/],
      // The AWS CLI's other outputs (a profile's `output = text`), as CLI v1 and v2 print get-records.
      ['cli-text.txt', '0\tAAAAAAAAAAHnHVtNwIQhyiT/0dnK==\nRECORDS\t1796601680.424\twwFFIMFV\tc040\t49680906205120048975959174324522311772355349635450011650\n', /cli-text\.txt is not a recording: it is the AWS CLI's text output \(--output text, or output = text in the profile's ~\/\.aws\/config\), which replay does not read: run get-records again with --output json\./],
      ['cli-query.txt', '2026-12-07T00:01:20.424000+00:00\twwFFIMFV\tc040\t49680906205120048975959174324522311772355349635450011650\n', /cli-query\.txt is not a recording: it is the AWS CLI's text output/],
      ['cli-table.txt', `${'-'.repeat(80)}\n|${' '.repeat(35)}GetRecords${' '.repeat(35)}|\n`, /cli-table\.txt is not a recording: it is the AWS CLI's table output \(--output table/],
      ['cli.yaml', "MillisBehindLatest: 0\nNextShardIterator: AAAAAAAAAAHnHVtN\nRecords:\n- ApproximateArrivalTimestamp: '2026-12-07T00:01:20.424000+00:00'\n", /cli\.yaml is not a recording: it is the AWS CLI's yaml output \(--output yaml/],
      ['events.tsv', 'event_id\tcampaign\nimp-1\tc040\n', /events\.tsv is not a recording: it is neither JSON Lines nor JSON documents/],
      ['spark.avro', await keylessAvro('snappy'), /spark\.avro is an Avro container compressed with snappy, which replay does not read: write it with the deflate or null codec/],
      // User records a deaggregating consumer handed on (KCL's, amazon_kclpy's names): one aggregate's share its sequence number.
      [
        'deaggregated.jsonl',
        [0, 1].map((sub) => JSON.stringify({ shardId: 's', sequenceNumber: '5', subSequenceNumber: sub, partitionKey: `k${sub}`, data: sub ? 'AQ==' : 'AA==', approximateArrivalTimestamp: 1_796_601_680_424 })).join('\n'),
        /deaggregated\.jsonl line 2 is not a Kinesis record: its subSequenceNumber 1 makes it a user record of a KPL aggregate that the consumer which dumped it had opened; replay opens aggregates itself, as the worker does, so capture the records as GetRecords returns them/,
      ],
      // A function with two streams as event sources: each stream's first shard is shardId-000000000000.
      [
        'two-streams.jsonl',
        ['a', 'b'].map((stream, i) => JSON.stringify({ Records: [{ kinesis: { sequenceNumber: `${i + 1}`, partitionKey: 'k', data: 'AA==', approximateArrivalTimestamp: 1_796_601_680.424 }, eventID: `shardId-000000000000:${i + 1}`, eventSourceARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}` }] })).join('\n'),
        /two-streams\.jsonl line 2, record 1 is a Kinesis event record of arn:aws:kinesis:us-east-1:123456789012:stream\/b, after records of arn:aws:kinesis:us-east-1:123456789012:stream\/a: .* replay one stream's records at a time/,
      ],
      // json.dumps(record, default=str) of base64.b64encode(data) left as bytes: base64 of the data, or data that was base64 text?
      ['b64-bytes.jsonl', JSON.stringify({ ...apiRecord, ShardId: 's', Data: "b'eyJldmVudF9pZCI6ImltcC0xIn0='" }), /b64-bytes\.jsonl line 1 is not a Kinesis record: its data \(Data\) "b'eyJldmVudF9pZCI6ImltcC0xIn0='" is Python's literal of bytes that are base64 text, .* replay does not guess which: dump Data as base64\.b64encode\(data\)\.decode\(\)/],
      ['two-tales.jsonl', [{ ...apiRecord, ShardId: 's' }, { ...apiRecord, ShardId: 's', Data: 'AQ==' }].map((r) => JSON.stringify(r)).join('\n'), /two-tales\.jsonl holds two different records with sequence number 1 on s/],
      ['empty.jsonl.gz', gzipSync(''), /empty\.jsonl\.gz is empty/],
      // Names that become paths: "../" wrote lake, state and metrics files outside every directory given.
      ['escape.jsonl', `${HEADER}\n${JSON.stringify({ shard: '../../tmp/x', seq: '1', arrival: 0, key: 'k', data: 'AA==' })}\n`, /escape\.jsonl line 2 is not a Kinesis record: its shard \(ShardId\) "\.\.\/\.\.\/tmp\/x" is not letters, digits, _ \. -\./],
      ['stream-escape.jsonl', `${JSON.stringify({ format: 'adstream-recording', version: 1, stream: '../x', shards: [] })}\n`, /stream-escape\.jsonl names its stream "\.\.\/x" in its header, which is not letters, digits, _ \. - \(1 to 128\)/],
      ['shard-escape.jsonl', `${JSON.stringify({ format: 'adstream-recording', version: 1, stream: 's', shards: ['a/b'] })}\n`, /shard-escape\.jsonl names a shard "a\/b" in its header/],
      ['far-future.jsonl', `${HEADER}\n${JSON.stringify({ shard: 'shardId-0', seq: '1', arrival: 1e16, key: 'k', data: 'AA==' })}\n`, /far-future\.jsonl line 2 is not a Kinesis record: its arrival \(ApproximateArrivalTimestamp\) 10000000000000000 is not a time between 1970 and 9999/],
      ['bad-added.jsonl', `${HEADER}\n${JSON.stringify({ shardAdded: 'x' })}\n`, /bad-added\.jsonl announces a shard "x" that is not \{ "shard", "hashRange", "parents": \[\.\.\.\] \}/],
      // A shard its own ancestor waited for itself: the replay read nothing and said it was done.
      ['cycle.jsonl', `${JSON.stringify({ format: 'adstream-recording', version: 1, stream: 's', shards: ['a', 'b'], parents: { a: ['b'], b: ['a'] } })}\n`, /cycle\.jsonl makes shard a its own ancestor \(a → b → a\)/],
    ];
    // Descriptors open on this test's files only: the process's total moves with whatever other
    // test files running in the same process have open at that moment.
    const openFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(work);
        } catch {
          return false; // closed between the listing and the read
        }
      }).length;
    const before = openFiles();
    const missing = await readRecording(join(work, 'missing.jsonl.gz')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RecordingError);
    expect((missing as Error).message).toMatch(/missing\.jsonl\.gz could not be read: ENOENT/);
    for (const [name, body, message] of cases) {
      const path = join(work, name);
      await writeFile(path, body);
      const error = await readRecording(path).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(RecordingError);
      expect((error as Error).message, name).toMatch(message);
    }
    // A refused file is closed, gzip, Avro and text alike.
    expect(openFiles()).toBe(before);
  });

  it('a recording cut short (a recorder killed) reads, with allowTruncated, every record written before the cut and none after', async () => {
    const source = await readRecording(RECORDING);
    const full = [...(await recordsByShard(source)).values()].flat();
    // One line a record: vitest's deep equality of a thousand buffers takes seconds.
    const lines = (records: SourceRecord[]) => records.map((r) => `${r.shardId} ${r.sequenceNumber} ${r.arrivalTime} ${r.partitionKey} ${Buffer.from(r.data).toString('base64')}`);
    for (const name of ['killed.jsonl.gz', 'killed.avro']) {
      const path = join(work, name);
      // The file as a SIGKILL would leave it after each write (a GetRecords result) had returned.
      const afterWrite: { bytes: Buffer; written: number }[] = [];
      const writer = await openRecordingWriter(path, { stream: source.header.stream, shards: source.header.shards });
      for (let at = 0; at < full.length; at += 100) {
        await writer.write(full.slice(at, at + 100));
        afterWrite.push({ bytes: await readFile(path), written: writer.records });
      }
      await writer.close();
      const whole = await readFile(path);
      // And cut anywhere: inside a line, a block, the gzip trailer.
      const cuts = [0.2, 0.45, 0.7, 0.95].map((share) => ({ bytes: whole.subarray(0, Math.floor(whole.length * share)), written: undefined }));
      for (const [i, { bytes, written }] of [...afterWrite.slice(0, -1), ...cuts].entries()) {
        const cutPath = join(work, `cut-${i}-${name}`);
        await writeFile(cutPath, bytes);
        await expect(readRecording(cutPath), `${name} cut ${i}`).rejects.toThrow(/is cut short after .*--allow-truncated/);
        const read = await readRecording(cutPath, { allowTruncated: true });
        expect(read.cutShort, `${name} cut ${i}`).toMatch(/^after (line|datum) \d+/);
        const records = [...(await recordsByShard(read)).values()].flat();
        // A prefix of what was written, to the record.
        expect(lines(records), `${name} cut ${i}`).toEqual(lines(full.slice(0, records.length)));
        // Every write is in the file when it returns: a gzip sync flush, an Avro block of its own.
        if (written !== undefined) expect(read.records, `${name} after write ${i + 1}`).toBe(written);
      }
      const closed = await readRecording(path, { allowTruncated: true });
      expect(closed.cutShort).toBeUndefined();
      expect(closed.records).toBe(full.length);
    }
  });

  it('an uncompressed capture cut short (a script killed mid-write) is refused as cut, and read to its last whole value with allowTruncated', async () => {
    const text = gunzipSync(await readFile(RECORDING)).toString('utf8');
    const whole = await readRecording(RECORDING);
    const wholeLines = text.split('\n').filter(Boolean);
    for (const share of [0.3, 0.6, 0.9]) {
      const cut = text.slice(0, Math.floor(text.length * share));
      expect(cut.endsWith('\n')).toBe(false);
      const path = join(work, `cut-${share}.jsonl`);
      await writeFile(path, cut);
      await expect(readRecording(path)).rejects.toThrow(/cut-0\.\d\.jsonl is cut short after line \d+, .*; pass --allow-truncated to replay the records before the cut\./);
      const read = await readRecording(path, { allowTruncated: true });
      const wholeLinesKept = cut.split('\n').length - 1;
      expect(read.cutShort).toBe(`after line ${wholeLinesKept}`);
      // Every whole line but the header is a record.
      expect(read.records).toBe(wholeLinesKept - 1);
      expect(wholeLines.length).toBeGreaterThan(wholeLinesKept);
    }
    expect(whole.records).toBe(wholeLines.length - 1);

    // `aws kinesis get-records >> shard.json` pages, the last one cut inside: its records are dropped.
    const page = (from: number) => JSON.stringify({ Records: [0, 1, 2].map((i) => ({ SequenceNumber: String(from + i), ApproximateArrivalTimestamp: 1_700_000_000 + from + i, PartitionKey: 'k', Data: 'AA==' })), NextShardIterator: 'x', MillisBehindLatest: 0 }, null, 4);
    const pages = `${page(100)}\n${page(200)}\n`;
    const cutPages = pages.slice(0, pages.length - 40);
    const pagesPath = join(work, 'pages.json');
    await writeFile(pagesPath, cutPages);
    const firstPageLines = page(100).split('\n').length;
    await expect(readRecording(pagesPath)).rejects.toThrow(`pages.json is cut short after line ${firstPageLines}, `);
    const pagesRead = await readRecording(pagesPath, { allowTruncated: true });
    expect(pagesRead.records).toBe(3);
    expect(pagesRead.cutShort).toBe(`after line ${firstPageLines}`);

    // Pages appended with no line break (json.dump(response, f) in a loop), killed inside the
    // third: the whole ones are read, compact on one line or indented in one document.
    for (const [name, indent, where] of [
      ['appended-compact', undefined, 'in line 1'],
      ['appended-indented', 2, 'in the document at line 1'],
    ] as const) {
      const appended = [100, 200, 300].map((from) => JSON.stringify(JSON.parse(page(from)), null, indent)).join('');
      const path = join(work, `${name}.json`);
      await writeFile(path, appended.slice(0, appended.length - 40));
      await expect(readRecording(path), name).rejects.toThrow(`${name}.json is cut short ${where}, after 2 whole JSON values, `);
      const read = await readRecording(path, { allowTruncated: true });
      expect(read.records, name).toBe(6);
      expect(read.cutShort, name).toBe(`${where}, after 2 whole JSON values`);
    }

    // Not cuts: a last page closed by "} " (whole, read), a last line with a typo (refused as not JSON).
    const spacedPath = join(work, 'spaced-pages.json');
    await writeFile(spacedPath, `${page(100)}\n${page(200)} `);
    const spaced = await readRecording(spacedPath);
    expect(spaced.records).toBe(6);
    expect(spaced.cutShort).toBeUndefined();
    const typoPath = join(work, 'typo.jsonl');
    const lines = text.split('\n').filter(Boolean);
    await writeFile(typoPath, `${lines.slice(0, 3).join('\n')}\n${lines[3].replace('"data"', '"data",')}`);
    await expect(readRecording(typoPath, { allowTruncated: true })).rejects.toThrow(/typo\.jsonl line 4 is not JSON: /);
  });

  it("reads a response's Records alone (get-records --query Records) as one shard's, and names the stream after the file without its extensions", async () => {
    const record = (seq: number) => ({ SequenceNumber: String(seq), ApproximateArrivalTimestamp: 1_700_000_000 + seq, PartitionKey: 'k', Data: 'AA==' });
    const path = join(work, 'my capture (1).json.gz');
    // Two pages of a paging loop, each the bare array --query Records prints.
    await writeFile(path, gzipSync(`${JSON.stringify([record(1), record(2)], null, 4)}\n${JSON.stringify([record(3)], null, 4)}\n`));
    const read = await readRecording(path);
    expect(read.header.stream).toBe('my-capture--1-');
    expect([...read.shards.keys()]).toEqual(['shardId-000000000000']);
    expect((await read.shards.get('shardId-000000000000')!.all()).map((r) => r.sequenceNumber)).toEqual(['1', '2', '3']);
  });

  it('reads a capture written as one line (JSON.stringify of every record) joining its chunks once, not once a chunk', async () => {
    // Each 256 KiB of a line not ended yet was joined to all before it: 87 MB took 13.6 s, against 1.4 s a record a line.
    const records = Array.from({ length: 20_000 }, (_, i) => ({ ShardId: 'shardId-0', SequenceNumber: String(i + 1), ApproximateArrivalTimestamp: 1_796_601_680 + i / 1000, PartitionKey: 'k', Data: Buffer.alloc(300, i % 256).toString('base64') }));
    const text = JSON.stringify(records);
    const path = join(work, 'one-line.json');
    await writeFile(path, text);
    const concat = vi.spyOn(Buffer, 'concat');
    try {
      expect((await readRecording(path)).records).toBe(records.length);
      const joined = concat.mock.results.reduce((bytes, result) => bytes + (result.value as Buffer).length, 0);
      expect(joined).toBeLessThan(2 * text.length);
    } finally {
      concat.mockRestore();
    }
  });

  it('refuses a line longer than Node can hold in one string saying so and how to split it', async () => {
    // V8 stops at 512 MiB, which a test will not write: the decoder refuses as Node does past it,
    // from 1 MB here (ERR_STRING_TOO_LONG, "Cannot create a string longer than 0x1fffffe8 characters").
    const records = Array.from({ length: 5_000 }, (_, i) => ({ ShardId: 'shardId-0', SequenceNumber: String(i + 1), ApproximateArrivalTimestamp: 1_796_601_680, PartitionKey: 'k', Data: Buffer.alloc(300).toString('base64') }));
    const path = join(work, 'too-long.json');
    await writeFile(path, `${JSON.stringify(records[0])}\n${JSON.stringify(records)}\n`);
    const toString = Buffer.prototype.toString;
    const decode = vi.spyOn(Buffer.prototype, 'toString').mockImplementation(function (this: Buffer, ...args: unknown[]) {
      const [, start = 0, end = this.length] = args as Parameters<Buffer['toString']>;
      if (end - start > 1_000_000) throw Object.assign(new Error('Cannot create a string longer than 0x1fffffe8 characters'), { code: 'ERR_STRING_TOO_LONG' });
      return toString.apply(this, args as Parameters<Buffer['toString']>);
    });
    try {
      await expect(readRecording(path)).rejects.toThrow(/too-long\.json holds a JSON value longer than Node can hold in one string \(511 MiB\), line 2: write one record or one GetRecords response a line \(jq -c '\.\[\]' for an array of records/);
    } finally {
      decode.mockRestore();
    }
  });

  it('a recording that cannot be written fails the write with a sentence naming the file', async () => {
    for (const name of ['dir.jsonl.gz', 'dir.avro']) {
      const path = join(work, name);
      await mkdir(path, { recursive: true });
      const failed = (async () => {
        const writer = await openRecordingWriter(path, { stream: 's', shards: ['shardId-0'] });
        await writer.write([{ shardId: 'shardId-0', sequenceNumber: '1', partitionKey: 'k', arrivalTime: 0, data: Buffer.from('x') }]);
        await writer.close();
      })();
      await expect(failed, name).rejects.toThrow(new RegExp(`${name.replace('.', '\\.')} could not be written: EISDIR`));
    }
  });

  it('an Avro container recording reads back as the JSON Lines one, a reshard child included', async () => {
    const jsonLines = await readRecording(RECORDING);
    const [first, second] = jsonLines.header.shards;
    const child = { shard: 'shardId-000000000002', hashRange: { start: '0', end: '99' }, parents: [first, second] };
    const paths = [join(work, 'copy.jsonl.gz'), join(work, 'copy.avro')];
    for (const path of paths) {
      const writer = await openRecordingWriter(path, { stream: jsonLines.header.stream, shards: [first, second] });
      await writer.write(await jsonLines.shards.get(first)!.all());
      await writer.shardAdded(child);
      await writer.write(await jsonLines.shards.get(second)!.all());
      await writer.close();
    }
    const [gzipped, avro] = await Promise.all(paths.map((path) => readRecording(path)));
    expect((await readFile(paths[1])).subarray(0, 4).toString('latin1')).toBe('Obj\x01');
    expect(avro.records).toBe(jsonLines.records);
    expect(avro.header).toEqual(gzipped.header);
    expect(avro.header.parents).toEqual({ [child.shard]: [first, second] });
    expectEqual(await recordsByShard(avro), (await recordsByShard(jsonLines)).set(child.shard, []));
    await expect(openRecordingWriter(join(work, 'copy.txt'), jsonLines.header)).rejects.toThrow(/gzip JSON Lines \(a name ending in \.gz\) or as an Avro container \(\.avro\), not ".*copy\.txt"/);
  });

  it('takes in a shard announced mid-recording (a reshard child) with its hash range and parents', async () => {
    const path = join(work, 'child.jsonl');
    const added = { shard: 'shardId-1', hashRange: { start: '0', end: '99' }, parents: ['shardId-0'] };
    const record = { shard: 'shardId-1', seq: '7', arrival: 5, key: 'k', data: 'AA==' };
    await writeFile(path, [HEADER, JSON.stringify({ shardAdded: added }), JSON.stringify(record)].join('\n') + '\n');
    const recording = await readRecording(path);
    expect(recording.header.shards).toEqual(['shardId-0', 'shardId-1']);
    expect(recording.header.hashRanges).toEqual({ 'shardId-1': { start: '0', end: '99' } });
    expect(recording.header.parents).toEqual({ 'shardId-1': ['shardId-0'] });
    expect(recording.shards.get('shardId-1')).toHaveLength(1);
    expect(recording.records).toBe(1);
  });
});
