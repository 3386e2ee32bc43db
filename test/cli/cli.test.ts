/**
 * The command line as a user meets it: `--help` everywhere, exit code 2 with one sentence for a
 * usage or configuration mistake, and the main job (`adstream demo`, what `npm start` runs)
 * ending with a summary whose written count `adstream query` confirms from the lake.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { once } from 'node:events';
import { ADSTREAM_BIN, adstream } from '../support/cli.ts';
import { startSnsDouble } from '../support/snsDouble.ts';
import { startLocalServices } from '../../stream/local/embeddedServices.ts';
import { dynamoDbClient, kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { encodeEvent } from '../../stream/events/wire.ts';
import { bidRequest, click } from '../stream/events/eventFixtures.ts';
import { generateTraffic } from '../../stream/generator/index.ts';

const COMMANDS = ['demo', 'generate', 'produce', 'run', 'query', 'local', 'config', 'record', 'replay', 'load-warehouse', 'dlq', 'score-nab', 'digest', 'schemas'];



let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `adstream local`'s four port options, Kinesis, DynamoDB, S3 and SNS in that order. */
const localPorts = (ports: number[]): string[] => ['--kinesis-port', '--dynamodb-port', '--s3-port', '--sns-port'].flatMap((name, i) => [name, String(ports[i])]);

async function waitForText(text: () => string, wanted: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!text().includes(wanted)) {
    if (Date.now() > deadline) throw new Error(`no "${wanted}" within ${timeoutMs} ms in:\n${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('adstream command line', () => {
  it('has --help on every command', async () => {
    for (const command of COMMANDS) {
      const outcome = await adstream([command, '--help']);
      expect(outcome.code, command).toBe(0);
      expect(outcome.stdout, command).toContain(`Usage: adstream ${command}`);
    }
    // One node process per command, one after the other: slow on a busy 2-core machine.
  }, 180_000);

  it('schemas prints what an outside producer writes, as the encoders write it: CSV fields in order, a bid request\'s header bytes', async () => {
    const outcome = await adstream(['schemas']);
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.split('\n');
    const fieldsOf = (type: string) => {
      const start = lines.findIndex((line) => line.startsWith(`${type}: `));
      const fields: string[] = [];
      for (const line of lines.slice(start + 1)) {
        if (!line.startsWith('  ')) break;
        fields.push(line.trim().split(' ')[0]);
      }
      return fields;
    };
    // The fixture click's fields hold distinct values, so the encoder's cells give the order.
    const body = click();
    const cells = encodeEvent({ type: 'click', body }).toString('utf8').split(',');
    expect(cells[0]).toBe('click');
    expect(cells.slice(1)).toEqual(fieldsOf('click').map((name) => String((body as unknown as Record<string, unknown>)[name])));
    const header = /^bid_request header: ([0-9a-f]{20}) /m.exec(outcome.stdout)?.[1];
    expect(header).toBe(encodeEvent({ type: 'bid_request', body: bidRequest() }).subarray(0, 10).toString('hex'));
    const avroOut = await adstream(['schemas', '--avro']);
    expect(avroOut.code).toBe(0);
    const schemas = JSON.parse(avroOut.stdout) as Record<string, { fields: { name: string }[] }>;
    expect(Object.keys(schemas)).toEqual(['impression', 'click', 'conversion', 'bid_request']);
    expect(schemas.click.fields.map((f) => f.name)).toEqual(fieldsOf('click'));
  });

  it('prints the version of package.json with --version', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const outcome = await adstream(['--version']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout.trim()).toBe(version);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await adstream(['frobnicate'])).code).toBe(2);
    const bare = await adstream([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: adstream');
    expect(bare.stderr.trim().split('\n').at(-1)).toBe('adstream: no command given; choose one of those listed above.');
    expect((await adstream(['help'])).code).toBe(0);
    expect((await adstream(['query', '--no-such-flag', 'SELECT 1'])).code).toBe(2);
    expect((await adstream(['demo', '--hours', 'many'])).code).toBe(2);
    // Beyond the embedded Kinesis's shard limit: said before any service starts, not in AWS's words after.
    const tooManyShards = await adstream(['demo', '--shards', '101']);
    expect(tooManyShards.code).toBe(2);
    expect(tooManyShards.stderr).toContain("argument '101' is invalid. must be a whole number from 1 to 100, the embedded Kinesis's shard limit.");
    // More traffic than the generator holds in memory: refused at once, not out of heap minutes later.
    const huge = await adstream(['generate', '--out', join(dir, 'huge'), '--hours', '200']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('makes about 12.0 million records, more than the generator holds in memory');
  });

  it('exits 2 with one clear sentence on a bad configuration', async () => {
    const outcome = await adstream(['config'], { ADSTREAM_WINDOW_MS: 'a minute' });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(
      'adstream: windowMs (environment ADSTREAM_WINDOW_MS) must be a non-negative whole number, e.g. 60000, but is "a minute".',
    );
    // Checks across options too, as run and replay make them: config does not pass what they refuse.
    const groupings = await adstream(['config'], { ADSTREAM_WINDOW_GROUPINGS: 'campaign,size' });
    expect(groupings.code).toBe(2);
    expect(groupings.stderr).toContain('windowGroupings (environment ADSTREAM_WINDOW_GROUPINGS) "campaign,size" is not valid');
    const start = await adstream(['config'], { ADSTREAM_STARTING_POSITION: 'AT_TIMESTAMP' });
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('startingPosition AT_TIMESTAMP needs startingTimestamp');
  });

  it("prints every statement's answer when the SQL holds several, not only one of them, each as it is done", async () => {
    const lake = join(dir, 'empty-lake');
    await mkdir(lake, { recursive: true });
    const table = await adstream(['query', '--lake', lake, 'SELECT 2 AS a; SELECT count(*) AS n FROM impressions']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').map((line) => line.trim())).toEqual(['a', '-', '2', '', 'n', '-', '0', '']);
    const json = await adstream(['query', '--json', '--lake', lake, 'SELECT 2 AS a; SELECT 3 AS b']);
    expect(json.stdout).toBe('{"a":2}\n{"b":3}\n');
    // A failing statement stops the script, but the answers before it are printed.
    const failing = await adstream(['query', '--json', '--lake', lake, 'SELECT 2 AS a; SELECT nope FROM impressions; SELECT 3 AS b']);
    expect(failing.code).toBe(2);
    expect(failing.stdout).toBe('{"a":2}\n');
    expect(failing.stderr).toContain('nope');
  });

  it('exits 2 with one sentence on SQL DuckDB refuses (a typo, a table that is not there), and 1 when reading fails', async () => {
    // Both exited 1, as if the lake had failed, where the README has usage mistakes exit 2.
    const lake = join(dir, 'sql-lake');
    await mkdir(join(lake, 'impression'), { recursive: true });
    const [typo, noTable, unreadable] = await Promise.all([
      adstream(['query', '--lake', lake, 'SELEC 1']),
      adstream(['query', '--lake', lake, 'SELECT * FROM nosuch']),
      adstream(['query', '--lake', lake, `SELECT * FROM read_parquet('${join(lake, 'nowhere.parquet')}')`]),
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toBe('adstream: DuckDB refused the SQL: Parser Error: syntax error at or near "SELEC" (LINE 1: SELEC 1)');
    expect(noTable.code).toBe(2);
    expect(noTable.stderr.trim().split('\n').at(-1)).toMatch(/^adstream: DuckDB refused the SQL: Catalog Error: Table with name nosuch does not exist! .*\(LINE 1: SELECT \* FROM nosuch\)$/);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('IO Error');
  });

  it('exits 2 with one sentence on SQL that holds no statement (blank, a comment, semicolons), over a lake or a file, and on a directory given as the file', async () => {
    // Each exited 1 with "adstream: Error in native callback", the bindings' word for DuckDB finding no statement.
    const lake = join(dir, 'no-statement-lake');
    await mkdir(join(lake, 'impression'), { recursive: true });
    const commentOnly = join(dir, 'comment-only.sql');
    await writeFile(commentOnly, '-- the query goes here\n');
    const outcomes = await Promise.all([
      adstream(['query', '--lake', lake, '']),
      adstream(['query', '--lake', lake, ' ;\n;']),
      adstream(['query', '--lake', lake, '--file', commentOnly]),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim()).toBe('adstream: the SQL holds no statement to run, only blanks, comments or semicolons.');
    }
    // A directory given as the file failed (exit 1) with Node's EISDIR.
    const folder = await adstream(['query', '--lake', lake, '--file', lake]);
    expect(folder.code).toBe(2);
    expect(folder.stderr.trim()).toBe(`adstream: the SQL file ${lake} is a directory; name a file in it, e.g. infra/queries/funnel_by_campaign.sql.`);
  });

  it('warns when the directory queried holds no lake table, naming the lake below it; shows a STRUCT as JSON; names the tables a warehouse has', async () => {
    // npm start writes ./data/demo/lake: --lake ./data/demo read as an empty lake, every count 0, and said nothing.
    const parent = join(dir, 'demo-parent');
    await mkdir(join(parent, 'lake', 'impression'), { recursive: true });
    const outcome = await adstream(['query', '--lake', parent, "SELECT {'campaign': 'c1', 'n': 2} AS s"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout.split('\n')[2].trim()).toBe('{"campaign":"c1","n":2}');
    expect(outcome.stderr.trim()).toBe(
      `adstream: warning: ${parent} holds none of the lake's table folders (impression, click, conversion, bid_request, _rejected, _metrics, _lineage), so every view is empty. The lake may be ${join(parent, 'lake')}.`,
    );
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const warehouseFile = join(dir, 'small-warehouse.duckdb');
    const db = await DuckDBInstance.create(warehouseFile);
    const connection = await db.connect();
    await connection.run('CREATE TABLE impressions (event_id VARCHAR); CREATE TABLE metrics (metric VARCHAR)');
    connection.closeSync();
    db.closeSync();
    const rejected = await adstream(['query', '--warehouse', warehouseFile, 'SELECT count(*) FROM rejected']);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr.trim()).toBe(`adstream: the warehouse ${warehouseFile} has no table rejected; its tables are impressions, metrics (the DLQ, rejected, and lineage stay in the lake: query them with --lake).`);
  });

  it('exits 2 when the lake to query does not exist, or when both a lake and a warehouse are named', async () => {
    const outcome = await adstream(['query', '--lake', join(dir, 'nowhere'), 'SELECT 1']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('does not exist');
    const aFile = join(dir, 'lake-file.txt');
    await writeFile(aFile, 'not a lake');
    const file = await adstream(['query', '--lake', aFile, 'SELECT 1']);
    expect(file.code).toBe(2);
    expect(file.stderr.trim()).toBe(`adstream: the lake ${aFile} is a file; pass --lake <dir>, the directory a worker or the demo wrote (npm start writes ./data/demo/lake).`);
    const both = await adstream(['query', '--lake', dir, '--warehouse', join(dir, 'w.duckdb'), 'SELECT 1']);
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe('adstream: give either --lake <dir> or --warehouse <file.duckdb>, not both.');
  });

  it('exits 2 naming the file when --warehouse is not a DuckDB file, for query and load-warehouse alike, and leaves it as it was', async () => {
    const notWarehouse = join(dir, 'warehouse.json');
    await writeFile(notWarehouse, '{"not": "a warehouse"}\n');
    const lake = join(dir, 'warehouse-lake');
    await mkdir(lake, { recursive: true });
    const [query, load, directory] = await Promise.all([
      adstream(['query', '--warehouse', notWarehouse, 'SELECT 1']),
      adstream(['load-warehouse', '--lake', lake, '--warehouse', notWarehouse]),
      adstream(['query', '--warehouse', dir, 'SELECT 1']),
    ]);
    for (const outcome of [query, load]) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split('\n')).toEqual([`adstream: the warehouse ${notWarehouse} is not a DuckDB database file (load-warehouse writes one, e.g. warehouse.duckdb).`]);
    }
    expect(directory.code).toBe(2);
    expect(directory.stderr.trim()).toBe(`adstream: the warehouse ${dir} is a directory; name the DuckDB file in it (load-warehouse writes one, e.g. warehouse.duckdb).`);
    expect(await readFile(notWarehouse, 'utf8')).toBe('{"not": "a warehouse"}\n');
  });

  it('refuses a demo --data directory holding files no demo wrote, and leaves them as they were', async () => {
    const project = join(dir, 'project');
    await mkdir(join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'notes.txt'), 'important');
    // A digest of an earlier demo's alerts, written beside them by default, is the demo's own.
    await writeFile(join(project, 'digest-2026-11-01.md'), '# digest');
    const outcome = await adstream(['demo', '--data', project, '--hours', '1']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(`adstream: --data ${project} holds notes.txt, src, which no demo wrote; give the demo a new or empty directory (it replaces only its own outputs: lake, alerts.jsonl, labels.json, digest-<day>.md).`);
    // Nothing before the sentence: the services were never started.
    expect(outcome.stdout).toBe('');
    expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe('important');
    const file = await adstream(['demo', '--data', join(project, 'notes.txt'), '--hours', '1']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is a file');
    expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe('important');
  });

  it('refuses a demo --data directory another demo is writing to, and leaves its outputs alone', async () => {
    // Two demos on one directory wrote two lakes side by side, every record twice, both saying ✓.
    const busy = join(dir, 'busy-demo');
    await mkdir(join(busy, 'lake'), { recursive: true });
    await writeFile(join(busy, 'alerts.jsonl'), '');
    // The running demo: this test's own process.
    await writeFile(join(busy, 'demo.pid'), `${process.pid}\n`);
    const outcome = await adstream(['demo', '--data', busy, '--hours', '1']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(`adstream: another demo (pid ${process.pid}) is writing to --data ${busy}; wait for it to end, or give this one another directory.`);
    expect(readdirSync(busy).sort()).toEqual(['alerts.jsonl', 'demo.pid', 'lake']);
  });

  it('exits 2 when the lake to load into a warehouse does not exist or is a file, and creates no warehouse; digest and dlq too', async () => {
    const warehouse = join(dir, 'warehouse.duckdb');
    const outcome = await adstream(['load-warehouse', '--lake', join(dir, 'nowhere'), '--warehouse', warehouse]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(`adstream: the lake directory ${join(dir, 'nowhere')} does not exist; pass --lake <dir>.`);
    expect(existsSync(warehouse)).toBe(false);
    // A file given as the lake (the alert log beside it, say) read as an empty lake: load-warehouse
    // loaded 0 files into a new warehouse and digest counted 0 rejected records, both exit 0.
    const alertLog = join(dir, 'lake-file-alerts.jsonl');
    await writeFile(alertLog, '');
    const outcomes = await Promise.all([
      adstream(['load-warehouse', '--lake', alertLog, '--warehouse', warehouse]),
      adstream(['digest', '--day', '2026-11-01', '--alerts', alertLog, '--lake', alertLog, '--out', join(dir, 'lake-file-digest.md')]),
      adstream(['dlq', 'replay', '--dry-run', '--lake', alertLog]),
    ]);
    for (const fileLake of outcomes) {
      expect(fileLake.code, fileLake.stderr).toBe(2);
      expect(fileLake.stderr.trim()).toBe(`adstream: the lake ${alertLog} is a file; pass --lake <dir>, the directory a worker or the demo wrote.`);
    }
    expect(existsSync(warehouse)).toBe(false);
  });

  it('refuses an empty path (a shell variable that was not set) as a usage mistake, rather than reading it as the working directory', async () => {
    // generate --out '' wrote its files into the working directory (exit 0); digest --out '' and
    // load-warehouse --warehouse '' failed (exit 1) on Node's ENOENT and DuckDB's "Is a directory".
    const workingDirectory = join(dir, 'empty-path-cwd');
    await mkdir(workingDirectory, { recursive: true });
    const generate = await new Promise<number | null>((resolve) => {
      const child = spawn('node', [ADSTREAM_BIN, 'generate', '--out', '', '--hours', '1', '--rate', '1'], { cwd: workingDirectory, stdio: 'ignore' });
      child.on('exit', resolve);
    });
    expect(generate).toBe(2);
    expect(readdirSync(workingDirectory)).toEqual([]);
    const outcomes = await Promise.all([
      adstream(['digest', '--out', '']),
      adstream(['load-warehouse', '--warehouse', '']),
      adstream(['replay', '']),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr).toMatch(/argument '' is invalid\. must name a file or directory, not be empty\.|value '' is invalid for argument 'file'\. must name a file or directory, not be empty\./);
    }
  });

  it('dlq replay refuses an empty --reason, which filtered nothing and put every rejected record back', async () => {
    const outcome = await adstream(['dlq', 'replay', '--reason', '', '--lake', join(dir, 'no-lake-needed')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe('adstream: --reason is empty; name a reason code or class (e.g. missing_field), or leave it out to re-drive every rejected record.');
  });

  it('exits 2 when the health port is taken, naming it and how to choose another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const port = (taken.address() as AddressInfo).port;
    // The worker checks that its stream exists before it gets to the port: a real one.
    const services = await startLocalServices({ buckets: [] });
    try {
      const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
      await ensureStream(kinesis, 'health-taken', 1);
      kinesis.destroy();
      const outcome = await adstream(['run', '--stream', 'health-taken', '--health-port', String(port), '--lake', join(dir, 'run-lake')], {
        ...services.environment,
        ADSTREAM_STATE: join(dir, 'run-state'),
        ADSTREAM_LEASE_TABLE: 'health-taken-leases',
      });
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr.trim().split('\n').at(-1)).toBe(`adstream: the health port ${port} is in use; choose another with --health-port or ADSTREAM_HEALTH_PORT (0 picks a free one).`);
    } finally {
      taken.close();
      await services.stop();
    }
  });

  it('exits 2 at start when the alert log or spill directory cannot be used, not at the first alert or at the end of a run', async () => {
    // Both were first touched late: the alert log at the first commit with an alert, hours in; the
    // spill directory when the run that had read everything removed it, failing a finished run.
    const services = await startLocalServices({ buckets: [] });
    try {
      const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
      await ensureStream(kinesis, 'late-paths', 1);
      kinesis.destroy();
      const aFile = join(dir, 'a-file');
      await writeFile(aFile, 'not a directory');
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_STATE: join(dir, 'late-state'), ADSTREAM_LEASE_TABLE: 'late-paths-leases' };
      const [alertLog, spill] = await Promise.all([
        adstream(['run', '--stream', 'late-paths', '--until-caught-up', '--lake', join(dir, 'late-lake')], { ...env, ADSTREAM_ALERT_LOG: join(aFile, 'alerts.jsonl') }),
        adstream(['run', '--stream', 'late-paths', '--until-caught-up', '--lake', join(dir, 'late-lake')], { ...env, ADSTREAM_SPILL_DIR: join(aFile, 'spill') }),
      ]);
      expect([alertLog.code, spill.code], alertLog.stderr + spill.stderr).toEqual([2, 2]);
      expect(alertLog.stderr.trim().split('\n').at(-1)).toBe(`adstream: cannot use ${aFile}: a file stands where a directory is needed (EEXIST on mkdir).`);
      expect(spill.stderr.trim().split('\n').at(-1)).toBe(`adstream: cannot use ${join(aFile, 'spill')}: a part of it is a file, not a directory (ENOTDIR on mkdir).`);
    } finally {
      await services.stop();
    }
  });

  it('makes the lake and state directories at start: a bounded run over an empty stream leaves a lake query reads as empty, and one that cannot be made stops it', async () => {
    // The lake was made by its first file: after an empty stream, query said "the lake directory
    // ... does not exist", and a lake under a file failed the run only once it had read its records.
    const services = await startLocalServices({ buckets: [] });
    try {
      const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
      await ensureStream(kinesis, 'empty-stream', 1);
      kinesis.destroy();
      const aFile = join(dir, 'lake-file');
      await writeFile(aFile, 'not a directory');
      const lake = join(dir, 'empty-stream-lake');
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_ALERT_LOG: join(dir, 'empty-stream-alerts.jsonl') };
      const [empty, unmakeable, unmakeableState] = await Promise.all([
        adstream(['run', '--stream', 'empty-stream', '--until-caught-up', '--lake', lake], { ...env, ADSTREAM_STATE: join(dir, 'empty-stream-state'), ADSTREAM_LEASE_TABLE: 'empty-stream-leases' }),
        adstream(['run', '--stream', 'empty-stream', '--until-caught-up', '--lake', join(aFile, 'lake')], { ...env, ADSTREAM_STATE: join(dir, 'unmakeable-state'), ADSTREAM_LEASE_TABLE: 'unmakeable-leases' }),
        adstream(['run', '--stream', 'empty-stream', '--until-caught-up', '--lake', join(dir, 'unmakeable-state-lake')], { ...env, ADSTREAM_STATE: join(aFile, 'state'), ADSTREAM_LEASE_TABLE: 'unmakeable-state-leases' }),
      ]);
      expect(empty.code, empty.stderr).toBe(0);
      const counted = await adstream(['query', '--json', '--lake', lake, 'SELECT count(*) AS n FROM impressions']);
      expect(counted.code, counted.stderr).toBe(0);
      expect(counted.stdout).toBe('{"n":0}\n');
      expect(unmakeable.code, unmakeable.stderr).toBe(2);
      expect(unmakeable.stderr.trim().split('\n').at(-1)).toBe(`adstream: cannot use ${join(aFile, 'lake')}: a part of it is a file, not a directory (ENOTDIR on mkdir).`);
      // A state store under a file failed at the first write there, with a long path inside it.
      expect(unmakeableState.code, unmakeableState.stderr).toBe(2);
      expect(unmakeableState.stderr.trim().split('\n').at(-1)).toBe(`adstream: cannot use ${join(aFile, 'state')}: a part of it is a file, not a directory (ENOTDIR on mkdir).`);
    } finally {
      await services.stop();
    }
  });

  /** Embedded services with no bucket and a 1-shard stream holding 10 records (not events: they are never read that far). */
  async function servicesWithTenRecordsOn(stream: string): Promise<Awaited<ReturnType<typeof startLocalServices>>> {
    const services = await startLocalServices({ buckets: [] });
    const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
    try {
      await ensureStream(kinesis, stream, 1);
      await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`not an event ${i}`) })) }));
      return services;
    } catch (error) {
      await services.stop();
      throw error;
    } finally {
      kinesis.destroy();
    }
  }

  it('exits 2 at start when the state store or the lake is in an S3 bucket that does not exist, before writing a lake file', async () => {
    // It failed (exit 1) at its first commit, after a warning and that commit's lake files.
    const services = await servicesWithTenRecordsOn('no-bucket');
    try {
      const lake = join(dir, 'no-bucket-lake');
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_LEASE_TABLE: 'no-bucket-leases' };
      const [state, s3Lake] = await Promise.all([
        adstream(['run', '--stream', 'no-bucket', '--until-caught-up', '--lake', lake], { ...env, ADSTREAM_STATE: 's3://nosuchbucket/x/' }),
        adstream(['run', '--stream', 'no-bucket', '--until-caught-up', '--lake', 's3://nosuchlake/lake/'], { ...env, ADSTREAM_STATE: join(dir, 'no-bucket-state') }),
      ]);
      expect([state.code, s3Lake.code], state.stderr + s3Lake.stderr).toEqual([2, 2]);
      expect(state.stderr.trim()).toBe('adstream: the S3 bucket nosuchbucket of the state store (s3://nosuchbucket/x/) does not exist: create it, or point ADSTREAM_STATE at a bucket that does.');
      expect(s3Lake.stderr.trim()).toBe('adstream: the S3 bucket nosuchlake of the lake (s3://nosuchlake/lake/) does not exist: create it, or point --lake (or ADSTREAM_LAKE) at a bucket that does.');
      expect(existsSync(lake)).toBe(false);
    } finally {
      await services.stop();
    }
  });

  it('exits 2 at start when the alert topic does not exist, before writing a lake file, and runs with one that does', async () => {
    // It read and committed its first units' lake files, then failed (exit 1) at its first alert
    // with SNS's "Topic does not exist", naming neither the topic nor the setting, at every restart.
    const services = await servicesWithTenRecordsOn('no-topic');
    const topic = 'arn:aws:sns:us-east-1:000000000000:adstream-alerts';
    const sns = await startSnsDouble([topic]);
    try {
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_SNS_ENDPOINT: sns.endpoint };
      const lake = join(dir, 'no-topic-lake');
      const typo = `${topic}s`;
      const missing = await adstream(['run', '--stream', 'no-topic', '--until-caught-up', '--lake', lake], { ...env, ADSTREAM_LEASE_TABLE: 'no-topic-leases', ADSTREAM_STATE: join(dir, 'no-topic-state'), ADSTREAM_ALERT_TOPIC_ARN: typo });
      expect(missing.code, missing.stderr).toBe(2);
      expect(missing.stderr.trim()).toBe(`adstream: the alert topic ${typo} (alertTopicArn, environment ADSTREAM_ALERT_TOPIC_ARN) does not exist: create it, or leave alertTopicArn unset.`);
      expect(existsSync(lake)).toBe(false);

      const found = await adstream(['run', '--stream', 'no-topic', '--until-caught-up', '--lake', lake], { ...env, ADSTREAM_LEASE_TABLE: 'topic-leases', ADSTREAM_STATE: join(dir, 'topic-state'), ADSTREAM_ALERT_TOPIC_ARN: topic });
      expect(found.code, found.stderr).toBe(0);
      expect(readdirSync(lake).length).toBeGreaterThan(0);
    } finally {
      await sns.close();
      await services.stop();
    }
  });

  it('exits 2 at start when the metrics stream does not exist, before writing a lake file', async () => {
    // It read and committed, warned that the stream-wide windows could not be merged, then failed
    // (exit 1) with Kinesis's "Stream ... under account ... not found.", the option unnamed.
    const services = await servicesWithTenRecordsOn('no-metrics');
    try {
      const lake = join(dir, 'no-metrics-lake');
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_LEASE_TABLE: 'no-metrics-leases', ADSTREAM_STATE: join(dir, 'no-metrics-state'), ADSTREAM_METRICS_STREAM: 'nosuch-metrics' };
      const run = await adstream(['run', '--stream', 'no-metrics', '--until-caught-up', '--lake', lake], env);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe('adstream: the metrics stream nosuch-metrics (metricsStream, environment ADSTREAM_METRICS_STREAM) does not exist: create it, or leave metricsStream unset.');
      expect(existsSync(join(lake, '_rejected'))).toBe(false);
    } finally {
      await services.stop();
    }
  });

  it('generate writes the same files byte for byte from the same seed (0 included), and refuses a seed the generator cannot tell apart', async () => {
    const runs = await Promise.all(['seed-a', 'seed-b'].map((name) => adstream(['generate', '--out', join(dir, name), '--hours', '1', '--rate', '10', '--seed', '0'])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const files = readdirSync(join(dir, 'seed-a')).sort();
    expect(files).toEqual(['bid_requests.avro', 'clicks_conversions.csv', 'impressions.jsonl', 'labels.json']);
    for (const file of files) expect((await readFile(join(dir, 'seed-a', file))).equals(await readFile(join(dir, 'seed-b', file))), file).toBe(true);
    const tooLarge = await adstream(['generate', '--out', join(dir, 'seed-c'), '--seed', '4294967296']);
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toContain('must be a whole number from 0 to 4294967295.');
  });

  it('local exits 2 on a port out of range, a bucket S3 would refuse, and a port in use, naming it and how to choose others', async () => {
    const outOfRange = await adstream(['local', '--kinesis-port', '70000']);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toContain("option '--kinesis-port <port>' argument '70000' is invalid. must be a port number from 1 to 65535.");
    // s3rver would create it; S3 would not.
    const badBucket = await adstream(['local', '--bucket', 'Bad_Bucket']);
    expect(badBucket.code).toBe(2);
    expect(badBucket.stderr).toContain('"Bad_Bucket" is not an S3 bucket name');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      // Kinesis listens first: the refusal comes before any other port is tried.
      const outcome = await adstream(['local', '--kinesis-port', String(port)]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split('\n')).toEqual([
        `adstream: port ${port} is in use (by another adstream local?): stop what holds it, or choose other ports with --kinesis-port, --dynamodb-port, --s3-port and --sns-port.`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('local exits 2 on a port given to two services, and on a bad setting once its servers are up, stopping them (it hung with them running)', async () => {
    const shared = await adstream(['local', '--kinesis-port', '4731', '--dynamodb-port', '4731']);
    expect(shared.code).toBe(2);
    expect(shared.stderr.trim()).toBe('adstream: --kinesis-port and --dynamodb-port are both 4731: give each service a port of its own.');
    const ports: number[] = [];
    for (let i = 0; i < 4; i++) ports.push(await freePort());
    // It kept its servers running and never exited: killed after 20 s, its code would be null.
    const badStream = await adstream(['local', ...localPorts(ports)], { ADSTREAM_STREAM: 'bad name!' }, 20_000);
    expect(badStream.code).toBe(2);
    expect(badStream.stderr).toContain('must be a Kinesis stream name');
  });

  it('local serves SNS Publish: the environment it prints points alerts at it, and it prints each message a worker would have sent', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 4; i++) ports.push(await freePort());
    const child = spawn('node', [ADSTREAM_BIN, 'local', '--shards', '1', ...localPorts(ports)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ADSTREAM_STREAM: 'sns-local' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitForText(() => stdout, 'Press Ctrl-C to stop.');
      const environment = Object.fromEntries([...stdout.matchAll(/^ {2}export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
      expect(environment.ADSTREAM_SNS_ENDPOINT).toBe(`http://127.0.0.1:${ports[3]}`);
      expect(environment.ADSTREAM_ALERT_TOPIC_ARN).toBe('arn:aws:sns:us-east-1:000000000000:adstream-alerts');
      // The stream it made from this shell's ADSTREAM_STREAM: pasted elsewhere, the default stream does not exist.
      expect(environment.ADSTREAM_STREAM).toBe('sns-local');
      const { SnsAlertSink } = await import('../../sinks/alerts/snsAlertSink.ts');
      const { snsClient } = await import('../../stream/aws/clients.ts');
      const sns = snsClient({ region: 'us-east-1', snsEndpoint: environment.ADSTREAM_SNS_ENDPOINT });
      const alert = { alertId: 'event_count:campaign=c007@1', detector: 'event_count', key: 'campaign=c007', dimensions: { campaign: 'c007' }, severity: 'critical', status: 'firing', windowStart: 0, windowEnd: 60_000, metric: 'count', observed: 1, expected: 40, score: 0.99, summary: 'count dropped for campaign c007', since: 0 };
      await new SnsAlertSink(sns, environment.ADSTREAM_ALERT_TOPIC_ARN).send(alert as never);
      sns.destroy();
      await waitForText(() => stdout, 'SNS adstream-alerts: [critical] event_count campaign=c007 [');
      expect(stdout).toMatch(/SNS adstream-alerts: \[critical\] event_count campaign=c007 \[severity=critical detector=\["event_count"\] campaign=\["c007"\] status=firing notification=\["firing"\] scope=\["shard"\] alertId=event_count:campaign=c007@1\]\n {4}/);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  });

  it('exits 2 on an empty SQL file, and on a digest topic that is not an SNS ARN before writing any report', async () => {
    const empty = join(dir, 'empty.sql');
    await writeFile(empty, '\n  \n');
    const query = await adstream(['query', '--file', empty, '--lake', dir]);
    expect(query.code).toBe(2);
    expect(query.stderr.trim()).toBe(`adstream: the SQL file ${empty} is empty.`);
    const report = join(dir, 'digest.md');
    const digest = await adstream(['digest', '--sns-topic', 'notanarn', '--out', report, '--alerts', empty, '--lake', dir]);
    expect(digest.code).toBe(2);
    expect(digest.stderr).toContain('--sns-topic must be an SNS topic ARN');
    expect(existsSync(report)).toBe(false);
  });

  it('replay says when a capture of several shards carries no lineage (made without adstream record), and not for one shard', async () => {
    const record = (shard: number, sequence: number) =>
      JSON.stringify({ ShardId: `shardId-00000000000${shard}`, SequenceNumber: String(sequence), ApproximateArrivalTimestamp: 1_793_491_200 + sequence, PartitionKey: 'k', Data: Buffer.from('not an event').toString('base64') });
    const twoShards = join(dir, 'two-shards.jsonl');
    await writeFile(twoShards, `${record(0, 1)}\n${record(1, 2)}\n`);
    const replayed = await adstream(['replay', twoShards, '--stream', 'capture', '--lake', join(dir, 'capture-lake')]);
    expect(replayed.code).toBe(0);
    expect(replayed.stderr + replayed.stdout).toContain(`note: ${twoShards} holds 2 shards and no shard lineage`);
    // Nor hash key ranges: the KPL sub-records the worker put in the DLQ as outside their shard are written.
    expect(replayed.stderr + replayed.stdout).toContain('KPL sub-records whose keys belong to another shard are written where the live worker rejected them (kpl_outside_shard)');
    const oneShard = join(dir, 'one-shard.jsonl');
    await writeFile(oneShard, `${record(0, 1)}\n${record(0, 2)}\n`);
    const single = await adstream(['replay', oneShard, '--stream', 'capture', '--lake', join(dir, 'capture-lake-1')]);
    expect(single.code).toBe(0);
    expect(single.stderr + single.stdout).not.toContain('no shard lineage');
  });

  it('exits 2 on replay outputs it cannot write or an empty --stream, before reading the recording', async () => {
    const recording = join(import.meta.dirname, '../fixtures/recordings/small-2shards.jsonl.gz');
    const file = join(dir, 'not-a-lake');
    await writeFile(file, 'x');
    const lakeIsFile = await adstream(['replay', recording, '--lake', file]);
    expect(lakeIsFile.code).toBe(2);
    expect(lakeIsFile.stderr.trim()).toBe(`adstream: --lake ${file} is a file; replay writes a directory there.`);
    expect(existsSync(`${file}.metrics`)).toBe(false);
    const noStream = await adstream(['replay', recording, '--lake', join(dir, 'replay-lake'), '--stream', '']);
    expect(noStream.code).toBe(2);
    expect(noStream.stderr.trim()).toBe('adstream: --stream must be a stream name of letters, digits, _ . - (1 to 128), as Kinesis names streams and shards, but it is "".');
    // A stream name is part of the lake's file names: "../x" wrote outside the lake.
    const escaping = await adstream(['replay', recording, '--lake', join(dir, 'replay-lake'), '--stream', '../x']);
    expect(escaping.code).toBe(2);
    expect(existsSync(join(dir, 'replay-lake'))).toBe(false);
    // An alert log under a file was first touched at the first alert: a replay that raised none
    // ended 0, naming an alert log that could never be written.
    const noRecords = join(dir, 'no-records.jsonl');
    await writeFile(noRecords, `${gunzipSync(await readFile(recording)).toString('utf8').split('\n')[0]}\n`);
    const recordingFolder = await adstream(['replay', dir, '--lake', join(dir, 'replay-lake')]);
    expect(recordingFolder.code).toBe(2);
    expect(recordingFolder.stderr.trim()).toBe(`adstream: the recording ${dir} is a directory; name the recording file in it (adstream record writes one, e.g. traffic.jsonl.gz).`);
    const alertLogUnderFile = await adstream(['replay', noRecords, '--lake', join(dir, 'replay-lake'), '--alert-log', join(file, 'alerts.jsonl')]);
    expect(alertLogUnderFile.code, alertLogUnderFile.stderr).toBe(2);
    expect(alertLogUnderFile.stderr.trim().split('\n').at(-1)).toBe(`adstream: cannot use ${file}: a file stands where a directory is needed (EEXIST on mkdir).`);
  });

  it('record refuses to replace an existing recording without --force, or a directory, before it connects', async () => {
    const earlier = join(dir, 'earlier.jsonl.gz');
    await writeFile(earlier, 'a capture');
    const outcome = await adstream(['record', '--out', earlier, '--until-caught-up'], { ADSTREAM_KINESIS_ENDPOINT: 'http://127.0.0.1:1' });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe(`adstream: --out ${earlier} already exists; choose another file, or pass --force to replace it.`);
    expect(await readFile(earlier, 'utf8')).toBe('a capture');
    // A directory: --force was offered, and with it the run failed (exit 1) on EISDIR.
    const folder = join(dir, 'captures.avro');
    await mkdir(folder, { recursive: true });
    const forced = await adstream(['record', '--out', folder, '--force', '--until-caught-up'], { ADSTREAM_KINESIS_ENDPOINT: 'http://127.0.0.1:1' });
    expect(forced.code).toBe(2);
    expect(forced.stderr.trim()).toBe(`adstream: --out ${folder} is a directory; name the recording file to write, e.g. ${join(folder, 'traffic.jsonl.gz')}.`);
  });

  it('refuses to replay into a lake another run wrote, which would store its records twice, and resumes into its own', async () => {
    const recording = join(import.meta.dirname, '../fixtures/recordings/small-2shards.jsonl.gz');
    const lake = join(dir, 'replayed-lake');
    const first = await adstream(['replay', recording, '--lake', lake]);
    expect(first.code, first.stderr).toBe(0);
    const files = () => readdirSync(lake, { recursive: true, encoding: 'utf8' }).sort();
    const before = files();
    expect(before.some((name) => name.endsWith('.parquet'))).toBe(true);
    const other = join(dir, 'other-state');
    const again = await adstream(['replay', recording, '--lake', lake, '--state', other]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(
      `adstream: ${lake} already holds lake files that nothing in this replay's state (${other}) accounts for (no claim, no checkpoint); replaying into it would store the recording's records a second time beside them: use an empty --lake, or the --state of the replay that wrote it.`,
    );
    expect(files()).toEqual(before);
    expect(existsSync(other)).toBe(false);
    const resumed = await adstream(['replay', recording, '--lake', lake]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(files()).toEqual(before);
  });

  it('queries in UTC on a host in another zone, as Athena does', async () => {
    const lake = join(dir, 'empty-lake');
    await mkdir(lake, { recursive: true });
    const sql = "SELECT current_setting('TimeZone') AS zone, TIMESTAMP '2026-11-01 03:30:00' < TIMESTAMPTZ '2026-11-01 04:00:00+00' AS before_4_utc";
    const outcome = await adstream(['query', '--lake', lake, '--json', sql], { TZ: 'America/New_York' });
    expect(outcome.code, outcome.stderr).toBe(0);
    // In New York's zone 03:30 would be 08:30 UTC, after 04:00 UTC.
    expect(JSON.parse(outcome.stdout.trim())).toEqual({ zone: 'UTC', before_4_utc: true });
  });

  it('exits 2 when produce gets neither files nor --generate, generator options with files, or a directory', async () => {
    const outcome = await adstream(['produce']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('give either event files or --generate');
    // With files, --hours, --rate and --seed were dropped without a word.
    const events = join(dir, 'two-events.jsonl');
    await writeFile(events, '{}\n{}\n');
    const withHours = await adstream(['produce', '--hours', '1', '--seed', '7', events]);
    expect(withHours.code).toBe(2);
    expect(withHours.stderr.trim()).toBe('adstream: --hours, --seed shape the traffic of --generate; event files are put as they are: leave them out, or give --generate instead of files.');
    // A directory named as a file failed (exit 1) with Node's EISDIR.
    const folder = join(dir, 'generated.jsonl');
    await mkdir(folder, { recursive: true });
    const fromFolder = await adstream(['produce', folder]);
    expect(fromFolder.code).toBe(2);
    expect(fromFolder.stderr.trim()).toBe(`adstream: the event file ${folder} is a directory; name the files in it (adstream generate writes impressions.jsonl, clicks_conversions.csv and bid_requests.avro).`);
  });

  it('exits 2 when produce names a stream that does not exist, saying how to create it, and puts nothing', async () => {
    const services = await startLocalServices({ buckets: [] });
    try {
      const outcome = await adstream(['produce', '--generate', '--hours', '1', '--rate', '5', '--stream', 'never-made'], services.environment);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split('\n')).toEqual([
        'adstream: the stream never-made does not exist; create it with --create-stream <shards>, or name another with --stream (or ADSTREAM_STREAM).',
      ]);
      const made = await adstream(['produce', '--generate', '--hours', '1', '--rate', '5', '--stream', 'made-here', '--create-stream', '1'], services.environment);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/^put \d+ records .* on made-here /m);
      // The anomalies it injected are named, so that the alerts they raise are not taken for real trouble.
      const { labels } = generateTraffic({ seed: 42, durationMs: 3_600_000, impressionsPerMinute: 5 });
      expect(labels.length).toBeGreaterThan(0);
      const listed = made.stdout.match(/^injected anomalies \(event time, UTC\): (.*)$/m)?.[1].split('; ') ?? [];
      expect(listed.map((entry) => entry.split(' ')[0])).toEqual(labels.map((label) => label.kind));
      // Asked again for 3 shards, the stream keeps its one, and produce says so rather than pretend.
      const again = await adstream(['produce', '--generate', '--hours', '1', '--rate', '5', '--stream', 'made-here', '--create-stream', '3'], services.environment);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('adstream: the stream made-here already exists with 1 open shard; --create-stream 3 left it as it is.');
    } finally {
      await services.stop();
    }
  });

  it('exits 2 when run or record names a stream that does not exist, as produce does, and claims no lease table', async () => {
    const services = await startLocalServices({ buckets: [] });
    try {
      const env = { ...services.environment, ADSTREAM_HEALTH_PORT: '0', ADSTREAM_LEASE_TABLE: 'never-claimed' };
      const [run, record] = await Promise.all([
        adstream(['run', '--stream', 'never-made', '--lake', join(dir, 'never-lake')], env),
        adstream(['record', '--stream', 'never-made', '--out', join(dir, 'never.jsonl.gz')], env),
      ]);
      expect([run.code, record.code]).toEqual([2, 2]);
      expect(run.stderr.trim().split('\n')).toEqual([
        'adstream: the stream never-made does not exist; name the stream to read with --stream (or ADSTREAM_STREAM), or create it (adstream produce --create-stream <shards>).',
      ]);
      expect(record.stderr.trim().split('\n')).toEqual(['adstream: the stream never-made does not exist; name the stream to record with --stream (or ADSTREAM_STREAM).']);
      const dynamo = dynamoDbClient({ region: 'us-east-1', ...services.endpoints });
      const { TableNames } = await dynamo.send(new ListTablesCommand({}));
      dynamo.destroy();
      expect(TableNames).not.toContain('never-claimed');
      expect(existsSync(join(dir, 'never.jsonl.gz'))).toBe(false);
    } finally {
      await services.stop();
    }
  });

  it('says where credentials come from when no endpoint is set and AWS has none to give', async () => {
    const home = join(dir, 'no-aws-home');
    await mkdir(home, { recursive: true });
    const noAws = { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_WEB_IDENTITY_TOKEN_FILE: '' };
    const outcome = await adstream(['record', '--stream', 'anything', '--out', join(dir, 'no-aws.jsonl.gz')], noAws);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim()).toMatch(/^adstream: no AWS credentials were found \(.+\): to use local servers, set the endpoint settings \(ADSTREAM_KINESIS_ENDPOINT, .*"adstream local" prints them\); to use AWS, give credentials as the AWS SDK reads them/);
    // And generate, given a file for its directory, says so.
    await writeFile(join(dir, 'a-file'), 'x');
    const generate = await adstream(['generate', '--out', join(dir, 'a-file')]);
    expect(generate.code).toBe(2);
    expect(generate.stderr.trim()).toBe(`adstream: --out ${join(dir, 'a-file')} is a file; generate writes a directory of event files there.`);
  });

  it('runs the main job end to end, and the lake agrees with its summary', async () => {
    const data = join(dir, 'demo');
    const outcome = await adstream(['demo', '--data', data, '--hours', '1', '--rate', '100']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain('✓ written + rejected + duplicates = in');
    const written = Number(/written to the lake\s+([\d,]+)/.exec(outcome.stdout)![1].replaceAll(',', ''));
    expect(written).toBeGreaterThan(10_000);

    const query = await adstream([
      'query', '--json', '--lake', join(data, 'lake'),
      'SELECT (SELECT count(*) FROM impressions) + (SELECT count(*) FROM clicks) + (SELECT count(*) FROM conversions) + (SELECT count(*) FROM bid_requests) AS n',
    ]);
    expect(query.code, query.stderr).toBe(0);
    expect(Number(JSON.parse(query.stdout.trim()).n)).toBe(written);

    // Piped into a reader that stops early (`| head -1`): the closed pipe ends the command quietly.
    const child = spawn('node', [ADSTREAM_BIN, 'query', '--json', '--lake', join(data, 'lake'), 'SELECT * FROM impressions'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'exit')) as [number];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
