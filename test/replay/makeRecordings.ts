/**
 * Regenerates the recorded fixtures and their goldens (run by hand, never by the suite):
 *
 *   npx tsx test/replay/makeRecordings.ts                 # re-record and refreeze
 *   npx tsx test/replay/makeRecordings.ts --goldens-only  # keep the recording, refreeze the goldens
 *
 * `--goldens-only` is for when the pipeline's output changes on purpose (say, a detector) and the
 * recorded input should stay byte-for-byte what it was.
 *
 * Generator traffic is produced onto a 2-shard stream in the embedded kinesalite, recorded with
 * `recordStream` (the code behind `adstream record`), replayed, and the goldens are written only
 * after they pass the independent DuckDB check against the generator's ground truth.
 */
import { writeFileSync, mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { startLocalServices } from '../../stream/local/embeddedServices.ts';
import { Producer } from '../../stream/producer/index.ts';
import { recordStream } from '../../stream/replay/recorder.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { FIXTURES, FIXTURE_GENERATOR, FIXTURE_NAME, FIXTURE_SETTINGS } from './fixtureSettings.ts';
import { goldenFileName, goldenOutputs, isCompressedGolden } from './goldenOutputs.ts';
import { checkWindowCounts } from './windowCheck.ts';

const services = await startLocalServices();
const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint });
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
const goldensOnly = process.argv.includes('--goldens-only');
try {
  const recordingPath = join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`);
  const truthPath = join(FIXTURES, `${FIXTURE_NAME}.truth.jsonl.gz`);
  if (!goldensOnly) {
    const stream = `fixture-${FIXTURE_NAME}`;
    const run = generateTraffic(FIXTURE_GENERATOR);
    const records = [...run.records];
    await ensureStream(kinesis, stream, 2);
    await new Producer(kinesis, { streamName: stream }).putAll(records.map(({ data, partitionKey }) => ({ data, partitionKey })));
    mkdirSync(FIXTURES, { recursive: true });
    const result = await recordStream({ kinesis, streamName: stream, out: recordingPath, untilCaughtUp: true, reader: { maxCallsPerSecond: 50 } });
    console.log(`recorded ${result.records} of ${records.length} records`);
    if (result.records !== records.length) throw new Error('the recording is missing records');

    const truth = records
      .map((r) => r.truth)
      .filter((t) => t.kind !== 'malformed')
      .map((t) => JSON.stringify(t))
      .join('\n');
    writeFileSync(truthPath, gzipSync(`${truth}\n`));
  }

  const work = mkdtempSync(join(tmpdir(), 'adstream-fixture-'));
  const dirs = directoriesFor(join(work, 'lake'));
  const recording = await readRecording(recordingPath);
  await replayToDirectory(recording, dirs, FIXTURE_SETTINGS);
  await recording.close();
  const outputs = await goldenOutputs(dirs);
  const check = await checkWindowCounts(truthPath, outputs['metrics.jsonl']);
  console.log(JSON.stringify(check));
  if (check.goldenAboveSql.length > 0 || check.sqlTotal - check.goldenTotal !== check.goldenLate) throw new Error('golden window counts disagree with DuckDB over the ground truth; not freezing');
  const goldenDir = join(FIXTURES, `${FIXTURE_NAME}.golden`);
  rmSync(goldenDir, { recursive: true, force: true });
  mkdirSync(goldenDir, { recursive: true });
  for (const [name, body] of Object.entries(outputs)) writeFileSync(join(goldenDir, goldenFileName(name)), isCompressedGolden(name) ? gzipSync(body) : body);
  rmSync(work, { recursive: true, force: true });
  console.log(`goldens written to ${goldenDir}`);
} finally {
  kinesis.destroy();
  await services.stop();
}
