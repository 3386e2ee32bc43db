/** Configuration: defaults < file (ADSTREAM_CONFIG) < environment < flags; one sentence per mistake. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startingPositionOf } from '../../../stream/config/startingPosition.ts';
import { ConfigError, loadConfig } from '../../../stream/config/load.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function configFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adstream-config-'));
  dirs.push(dir);
  const path = join(dir, 'adstream.json');
  await writeFile(path, content);
  return path;
}

describe('loadConfig', () => {
  it('layers defaults, the file, the environment and flags in that order', async () => {
    const file = await configFile(JSON.stringify({ stream: 'from-file', failoverTimeMs: 20000, windowMs: 120000 }));
    const config = loadConfig({ windowMs: 30000 }, { ADSTREAM_CONFIG: file, ADSTREAM_FAILOVER_TIME_MS: '15000' });
    expect(config.stream).toBe('from-file');
    expect(config.failoverTimeMs).toBe(15000);
    expect(config.windowMs).toBe(30000);
    expect(config.leaseTable).toBe('adstream-leases');
  });

  it('names the option, its source and what is expected when a value is wrong', async () => {
    const file = await configFile(JSON.stringify({ windowMs: 'one minute' }));
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: file })).toThrow(
      new ConfigError(`windowMs (file ${file}) must be a non-negative whole number, e.g. 60000, but is "one minute".`),
    );
    expect(() => loadConfig({}, { ADSTREAM_STARTING_POSITION: 'OLDEST' })).toThrow(
      'startingPosition (environment ADSTREAM_STARTING_POSITION) must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP, but is "OLDEST".',
    );
    // Window groupings from the file were said to come from ADSTREAM_WINDOW_GROUPINGS, which the user had not set.
    const groupings = await configFile(JSON.stringify({ windowGroupings: 'campaign,size' }));
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: groupings })).toThrow(
      new ConfigError(`windowGroupings (file ${groupings}) "campaign,size" is not valid: unknown window dimension "size"; expected one of campaign, publisher, country, type, device.`),
    );
  });

  it('refuses an unknown option, a missing file and a file that is not JSON', async () => {
    const unknown = await configFile(JSON.stringify({ failoverTime: 1000 }));
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: unknown })).toThrow(/names an unknown option "failoverTime" \(did you mean failoverTimeMs\?\)/);
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: '/nonexistent/adstream.json' })).toThrow(
      'the configuration file /nonexistent/adstream.json (ADSTREAM_CONFIG) does not exist.',
    );
    const broken = await configFile('{ "stream": ');
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: broken })).toThrow(/is not valid JSON/);
    const directory = dirname(broken);
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: directory })).toThrow(new ConfigError(`the configuration file ${directory} (ADSTREAM_CONFIG) is a directory, not a file.`));
  });

  it('refuses a number where the option is text, which would otherwise pass unnoticed', async () => {
    const file = await configFile(JSON.stringify({ stream: 5 }));
    expect(() => loadConfig({}, { ADSTREAM_CONFIG: file })).toThrow(new ConfigError(`stream in the configuration file ${file} must be a string in quotes, not the number 5.`));
    // Numbers stay numbers where the option is one.
    expect(loadConfig({}, { ADSTREAM_CONFIG: await configFile(JSON.stringify({ stream: '5', windowMs: 30000 })) })).toMatchObject({ stream: '5', windowMs: 30000 });
  });

  it('reads lake file sizes with units, and refuses sizes that are not sizes or would not fit in memory', () => {
    expect(loadConfig({}, {}).lakeFileTargetBytes).toBe(8 * 1024 ** 2);
    expect(loadConfig({ lakeFileTargetBytes: '128 MiB' }, {}).lakeFileTargetBytes).toBe(128 * 1024 ** 2);
    expect(loadConfig({}, { ADSTREAM_LAKE_FILE_TARGET_BYTES: '64kb' }).lakeFileTargetBytes).toBe(64_000);
    expect(loadConfig({ lakeFileTargetBytes: 0, lakeFileMaxAgeMs: 300_000 }, {})).toMatchObject({ lakeFileTargetBytes: 0, lakeFileMaxAgeMs: 300_000 });
    expect(() => loadConfig({}, { ADSTREAM_LAKE_FILE_TARGET_BYTES: 'large' })).toThrow(
      new ConfigError('lakeFileTargetBytes (environment ADSTREAM_LAKE_FILE_TARGET_BYTES) must be a whole number of bytes, or a size such as 512MiB, 64KiB or 1048576, but is "large".'),
    );
    expect(() => loadConfig({ lakeFileTargetBytes: '8 GiB' }, {})).toThrow(
      new ConfigError('lakeFileTargetBytes (command line) must be at most 2GiB, but is "8 GiB".'),
    );
    expect(() => loadConfig({ lakeFileMaxAgeMs: '5 minutes' }, {})).toThrow(/^lakeFileMaxAgeMs \(command line\) must be a non-negative whole number/);
    // Number() reads these as 16, 3 and 15: a whole number is written in decimal digits.
    for (const text of ['0x10', '0b11', '0o17']) {
      expect(() => loadConfig({}, { ADSTREAM_FAILOVER_TIME_MS: text })).toThrow(`failoverTimeMs (environment ADSTREAM_FAILOVER_TIME_MS) must be a non-negative whole number, e.g. 10000, but is "${text}".`);
    }
    expect(loadConfig({}, { ADSTREAM_FAILOVER_TIME_MS: '1e4' }).failoverTimeMs).toBe(10_000);
    // A fraction of a byte is refused, not rounded (0.4 rounded to 0, "roll after every read"); a size in units rounds to the byte.
    for (const text of ['0.4', '1.5', '2.5b']) expect(() => loadConfig({}, { ADSTREAM_LAKE_FILE_TARGET_BYTES: text })).toThrow(/must be a whole number of bytes/);
    expect(loadConfig({ lakeFileTargetBytes: '1.1MiB' }, {}).lakeFileTargetBytes).toBe(Math.round(1.1 * 1024 ** 2));
  });

  it('refuses an ADSTREAM_ variable that names no option, a typo whose value would be dropped, naming the nearest one', () => {
    expect(() => loadConfig({}, { ADSTREAM_STREEM: 'ads' })).toThrow(
      new ConfigError('the environment sets ADSTREAM_STREEM, which is no adstream option (did you mean ADSTREAM_STREAM?); the options and their variables are listed by "adstream config --markdown".'),
    );
    expect(() => loadConfig({}, { ADSTREAM_SOMETHING_ELSE_ENTIRELY: '1' })).toThrow(/^the environment sets ADSTREAM_SOMETHING_ELSE_ENTIRELY, which is no adstream option; /);
    expect(loadConfig({}, { ADSTREAM_STREAM: 'ads', ADSTREAM_DEBUG: '1', ADSTREAM_STAGE: 'dev' }).stream).toBe('ads');
  });

  it('refuses an AT_TIMESTAMP start still to come in one sentence, which Kinesis refused in its own words (exit 1)', () => {
    const config = loadConfig({}, { ADSTREAM_STARTING_POSITION: 'AT_TIMESTAMP', ADSTREAM_STARTING_TIMESTAMP: '2027-01-01' });
    const now = Date.UTC(2026, 11, 6, 22, 0);
    expect(() => startingPositionOf(config, now)).toThrow(
      new ConfigError('startingTimestamp (ADSTREAM_STARTING_TIMESTAMP) is 2027-01-01, a time still to come, and Kinesis starts AT_TIMESTAMP only from a time that has passed: give a past time, or startingPosition LATEST for the records from now on.'),
    );
    expect(startingPositionOf(config, Date.UTC(2027, 0, 1))).toEqual({ atTimestamp: Date.UTC(2027, 0, 1) });
  });

  it('reads an AT_TIMESTAMP start as ISO 8601 only, a time without a zone as UTC, and names a bad region once', () => {
    const start = (text: string) => startingPositionOf(loadConfig({}, { ADSTREAM_STARTING_POSITION: 'AT_TIMESTAMP', ADSTREAM_STARTING_TIMESTAMP: text }));
    const november = Date.UTC(2026, 10, 1);
    for (const text of ['2026-11-01', '2026-11-01T00:00:00', '2026-11-01T00:00:00Z', '2026-11-01T05:30:00+05:30', '2026-11-01T00:00:00.000Z']) expect(start(text), text).toEqual({ atTimestamp: november });
    for (const text of ['1', 'Nov 1 2026', '2026-11-01 00:00:00', 'yesterday']) expect(() => start(text), text).toThrow(/as an ISO 8601 date or time such as 2026-11-01T00:00:00Z/);
    expect(() => startingPositionOf(loadConfig({}, { ADSTREAM_STARTING_POSITION: 'AT_TIMESTAMP' }))).toThrow(
      new ConfigError('startingPosition AT_TIMESTAMP needs startingTimestamp (ADSTREAM_STARTING_TIMESTAMP) as an ISO 8601 date or time such as 2026-11-01T00:00:00Z, but it is not set.'),
    );
    expect(() => loadConfig({}, { AWS_REGION: 'bogus' })).toThrow(new ConfigError('region (environment AWS_REGION) must be an AWS region name, such as eu-west-1, but is "bogus".'));
  });

  it('refuses numbers outside what the option can take: a window of 0 ms, a port above 65535', () => {
    expect(() => loadConfig({}, { ADSTREAM_WINDOW_MS: '0' })).toThrow(new ConfigError('windowMs (environment ADSTREAM_WINDOW_MS) must be at least 1, but is "0".'));
    expect(() => loadConfig({ healthPort: '99999' }, {})).toThrow(new ConfigError('healthPort (command line) must be at most 65535, but is "99999".'));
    expect(() => loadConfig({}, { ADSTREAM_FAILOVER_TIME_MS: '0' })).toThrow(/^failoverTimeMs .* must be at least 1/);
    expect(loadConfig({ healthPort: '0', windowMs: '1' }, {})).toMatchObject({ healthPort: 0, windowMs: 1 });
    // A dedupe horizon of 0 passed here, and the worker then failed after it had started.
    expect(() => loadConfig({}, { ADSTREAM_DEDUPE_HORIZON_MS: '0' })).toThrow(new ConfigError('dedupeHorizonMs (environment ADSTREAM_DEDUPE_HORIZON_MS) must be at least 1, but is "0".'));
  });

  it('takes a window slide that divides the window size (hopping windows), and refuses one longer or that does not divide it', () => {
    expect(loadConfig({}, { ADSTREAM_WINDOW_MS: '300000', ADSTREAM_WINDOW_SLIDE_MS: '60000' })).toMatchObject({ windowMs: 300_000, windowSlideMs: 60_000 });
    expect(loadConfig({}, {}).windowSlideMs).toBeUndefined();
    expect(() => loadConfig({}, { ADSTREAM_WINDOW_SLIDE_MS: '120000' })).toThrow(
      new ConfigError('windowSlideMs 120000 (environment ADSTREAM_WINDOW_SLIDE_MS) must be at most windowMs 60000 (default): a slide longer than the window would leave events in no window.'),
    );
    expect(() => loadConfig({}, { ADSTREAM_WINDOW_MS: '100000', ADSTREAM_WINDOW_SLIDE_MS: '45000' })).toThrow(
      new ConfigError('windowMs 100000 (environment ADSTREAM_WINDOW_MS) must be a whole number of windowSlideMs 45000 (environment ADSTREAM_WINDOW_SLIDE_MS), so that the detectors can score non-overlapping windows.'),
    );
  });

  it('refuses a lease table name DynamoDB would refuse, naming the option rather than echoing DynamoDB', () => {
    for (const name of ['t1', 'bad/name', 'x'.repeat(256)]) {
      expect(() => loadConfig({}, { ADSTREAM_LEASE_TABLE: name })).toThrow(
        new ConfigError(`leaseTable (environment ADSTREAM_LEASE_TABLE) must be a DynamoDB table name (3 to 255 letters, digits, _ . -), such as adstream-leases, but is "${name}".`),
      );
    }
    expect(loadConfig({}, { ADSTREAM_LEASE_TABLE: 'my.table_2-x' }).leaseTable).toBe('my.table_2-x');
  });

  it('refuses a lake in a scheme it cannot write, a region that is not one and a topic that is not an ARN, rather than using them', () => {
    // ftp://bucket/x was written to a local directory named "ftp:", with exit 0.
    expect(() => loadConfig({}, { ADSTREAM_LAKE: 'ftp://bucket/x' })).toThrow(
      new ConfigError('lake (environment ADSTREAM_LAKE) must be a directory or s3://bucket/prefix/, such as s3://my-lake/adstream/, but is "ftp://bucket/x".'),
    );
    expect(() => loadConfig({}, { ADSTREAM_STATE: 'file:///tmp/state' })).toThrow(/stateStore \(environment ADSTREAM_STATE\) must be a directory or s3:\/\/bucket\/prefix\//);
    expect(() => loadConfig({}, { AWS_REGION: 'us east' })).toThrow(/region \(environment AWS_REGION\) must be an AWS region name, such as eu-west-1,/);
    expect(() => loadConfig({}, { ADSTREAM_ALERT_TOPIC_ARN: 'mytopic' })).toThrow(/alertTopicArn \(environment ADSTREAM_ALERT_TOPIC_ARN\) must be an SNS topic ARN/);
    const fine = loadConfig({}, { ADSTREAM_LAKE: 's3://my-lake/adstream/', ADSTREAM_STATE: './data/state', AWS_REGION: 'eusc-de-east-1', ADSTREAM_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo' });
    expect([fine.lake, fine.stateStore, fine.region, fine.alertTopicArn]).toEqual(['s3://my-lake/adstream/', './data/state', 'eusc-de-east-1', 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo']);
    expect(loadConfig({}, { ADSTREAM_LAKE: 's3://My_Legacy_Bucket/x/' }).lake).toBe('s3://My_Legacy_Bucket/x/');
  });
});
