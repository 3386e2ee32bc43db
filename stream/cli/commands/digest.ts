/**
 * `adstream digest`: the daily digest of one UTC day (sinks/alerts/dailyDigest.ts) from the
 * alert log and the lake's DLQ, written as a Markdown report and, with --sns-topic, published to
 * SNS with the attributes `kind=digest` and `day`, so subscriptions can take or leave digests.
 *
 * The day defaults to the latest day in the alert log, never to "today": the digest of a replay
 * or of last month's log is the same whenever it is made. Rejections are counted by the day they
 * arrived, which is how the DLQ is partitioned (`dt`/`hour` of the arrival time): a rejected
 * record may have no event time to go by.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseAlertLog } from '../../../sinks/alerts/alertLogFile.ts';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { buildDailyDigest, isUtcDay, latestAlertDay, type DailyDigest } from '../../../sinks/alerts/dailyDigest.ts';
import { digestMarkdown, digestMessage, digestSubject, digestText } from '../../../sinks/alerts/dailyDigestReport.ts';
import { checkLakeDirectory } from '../lakeDirectory.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { AdstreamConfig } from '../../config/schema.ts';
import { makeDirectory } from '../../../sinks/makeDirectory.ts';

interface DigestOptions {
  day?: string;
  alerts?: string;
  lake?: string;
  out?: string;
  snsTopic?: string;
}

/** The day's rejections by reason, and the DLQ's records on other days (most first, at most three). */
async function rejectionsByReason(lakeDir: string, day: string): Promise<{ byReason: Record<string, number>; otherDays: { day: string; records: number }[] }> {
  const { LakeQuery } = await import('../../../sinks/query/lakeQuery.ts');
  const lake = await LakeQuery.open(lakeDir);
  try {
    // `day` is a checked YYYY-MM-DD; filtering on the partition column reads only that day's files.
    const rows = await lake.query(`SELECT reason, count(*) AS records FROM rejected WHERE dt = '${day}' GROUP BY reason`);
    const others = await lake.query(`SELECT dt AS day, count(*) AS records FROM rejected WHERE dt <> '${day}' GROUP BY dt ORDER BY records DESC, dt LIMIT 3`);
    return {
      byReason: Object.fromEntries(rows.map((row) => [String(row.reason), Number(row.records)])),
      otherDays: others.map((row) => ({ day: String(row.day), records: Number(row.records) })),
    };
  } finally {
    lake.close();
  }
}

async function publish(config: AdstreamConfig, topicArn: string, digest: DailyDigest): Promise<void> {
  const [{ PublishCommand }, { snsClient }, { fifoFields }] = await Promise.all([import('@aws-sdk/client-sns'), import('../../aws/clients.ts'), import('../../../sinks/alerts/snsAlertSink.ts')]);
  const client = snsClient(config);
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  try {
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: digestSubject(digest),
        Message: digestMessage(digest),
        MessageAttributes: { kind: attribute('digest'), day: attribute(digest.day) },
        // To a FIFO topic: the digests in one group, a day's digest sent twice in five minutes once.
        ...fifoFields(topicArn, 'digest', `digest ${digest.day} ${digestMessage(digest)}`),
      }),
    );
  } finally {
    client.destroy();
  }
}

/** Refuses a topic SNS says does not exist, before the report is written (SNS's own words came after it, naming no topic). */
async function refuseMissingTopic(config: AdstreamConfig, topicArn: string): Promise<void> {
  const [{ snsClient }, { topicMissing }] = await Promise.all([import('../../aws/clients.ts'), import('../../../sinks/alerts/snsTopic.ts')]);
  const client = snsClient(config);
  try {
    if (await topicMissing(client, topicArn)) throw new ConfigError(`the SNS topic ${topicArn} (--sns-topic) does not exist: create it, or pass a topic that does.`);
  } finally {
    client.destroy();
  }
}

export function digestCommand(): Command {
  return new Command('digest')
    .description('The daily digest of one UTC day: alerts by detector and severity, top rejection reasons, top campaigns by anomaly; written as Markdown, optionally sent to SNS.')
    .option('--day <YYYY-MM-DD>', 'the UTC day (default: the latest day in the alert log)')
    .option('--alerts <file>', 'alert log, JSON Lines (default: ADSTREAM_ALERT_LOG or ./data/alerts.jsonl; npm start writes ./data/demo/alerts.jsonl)')
    .option('--lake <dir>', 'lake directory whose DLQ is counted (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--out <report.md>', 'where the report goes: a file, or a directory to write digest-<day>.md in (default: digest-<day>.md beside the alert log)', pathOption)
    .option('--sns-topic <arn>', 'also publish the digest to this SNS topic (attributes kind=digest, day)')
    .action(async (options: DigestOptions) => {
      if (options.day !== undefined && !isUtcDay(options.day)) {
        throw new ConfigError(`--day must be a UTC date written YYYY-MM-DD, e.g. 2026-11-01, but is "${options.day}".`);
      }
      // Checked before the report is written: a bad ARN would fail only after it.
      if (options.snsTopic !== undefined && !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+(\.fifo)?$/.test(options.snsTopic)) {
        throw new ConfigError(`--sns-topic must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:adstream-alerts, but is "${options.snsTopic}".`);
      }
      const config = loadConfig({ lake: options.lake, alertLog: options.alerts });
      if (!existsSync(config.alertLog)) {
        throw new ConfigError(`the alert log ${config.alertLog} does not exist; pass --alerts <file> (npm start writes ./data/demo/alerts.jsonl).`);
      }
      if (statSync(config.alertLog).isDirectory()) throw new ConfigError(`the alert log ${config.alertLog} is a directory; pass the alert log file with --alerts <file> (npm start writes ./data/demo/alerts.jsonl).`);
      if (config.lake.startsWith('s3://')) throw new ConfigError(`digest reads a local lake directory; sync ${config.lake} to a directory first.`);
      checkLakeDirectory(config.lake);
      const notifications = parseAlertLog(await readFile(config.alertLog, 'utf8'), config.alertLog);
      if (options.snsTopic !== undefined) await refuseMissingTopic(config, options.snsTopic);
      const day = options.day ?? latestAlertDay(notifications);
      if (day === undefined) throw new ConfigError(`the alert log ${config.alertLog} has no alerts, so there is no latest day; pass --day YYYY-MM-DD.`);

      const rejections = await rejectionsByReason(config.lake, day);
      const built = buildDailyDigest(day, notifications, rejections.byReason);
      const digest = built.rejected === 0 && rejections.otherDays.length > 0 ? { ...built, rejectedOnOtherDays: rejections.otherDays } : built;
      // A directory as --out (reports/, say) gets the day's report inside it, named as by default.
      // So does one not made yet, when it ends with a slash as directories are written.
      const intoDirectory = options.out !== undefined && ((existsSync(options.out) && statSync(options.out).isDirectory()) || /[/\\]$/.test(options.out));
      const out = intoDirectory ? join(options.out!, `digest-${day}.md`) : (options.out ?? join(dirname(config.alertLog), `digest-${day}.md`));
      await makeDirectory(dirname(out));
      await writeFile(out, digestMarkdown(digest), 'utf8');
      console.log(digestText(digest));
      console.log(`\nreport: ${out}`);
      if (options.snsTopic !== undefined) {
        await publish(config, options.snsTopic, digest);
        console.log(`published to ${options.snsTopic}`);
      }
    });
}
