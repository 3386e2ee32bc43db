/**
 * `adstream dlq`: the dead-letter queue (rejected records in the lake, `_rejected/`).
 * `dlq replay` re-drives rejected records — typically after fixing a producer or relaxing a
 * rule — by putting their original bytes back on the stream they were read from (each row names
 * it), with their original partition keys. A lake can hold several streams' rejections, and the
 * worker's ADSTREAM_STREAM need not be theirs, so only an explicit --stream sends them elsewhere.
 * They then go through the pipeline like any record and are counted again (written, rejected,
 * duplicate), so the accounting still adds up: each re-driven record is one more record in.
 * What was re-driven is noted in the lake (sinks/lake/dlqLedger.ts), and the next run skips it
 * unless told `--again`: run after run, a rejected row goes back once (a record rejected again
 * is a new row, put back by the next run in its turn, so the DLQ grows by one row a run, not
 * doubling).
 */
import { Command } from 'commander';
import { checkLakeDirectory } from '../lakeDirectory.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

export function dlqCommand(): Command {
  // exitOverride before the subcommand is made, so it inherits it (usage mistakes exit 2).
  const dlq = new Command('dlq').exitOverride().description('Re-drive the dead-letter queue (rejected records in the lake) with "dlq replay"; its --dry-run counts what would go back, by reason. To read the records themselves, query the lake\'s rejected view: adstream query "SELECT reason, count(*) FROM rejected GROUP BY ALL".');
  dlq
    .command('replay')
    .description('Put rejected records back on the stream (original bytes and partition keys), e.g. after a fix.')
    .option('--lake <dir>', 'lake directory (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--stream <name>', "stream to put them all on (default: each record's own stream, the one it was read from)")
    .option('--reason <code>', 'only records rejected for this reason code or class, e.g. missing_field:campaign_id or missing_field')
    .option('--again', 'also re-drive records an earlier dlq replay put back (by default each goes back once)')
    .option('--dry-run', 'count what would be re-driven, put nothing')
    .action(async (options: { lake?: string; stream?: string; reason?: string; again?: boolean; dryRun?: boolean }) => {
      const [{ kinesisClient }, { streamExists }, { Producer }, { redriveRecord }, { LakeQuery }, { positionKey, readDlqLedger, recordDlqReplay }] = await Promise.all([
        import('../../aws/clients.ts'),
        import('../../aws/streamAdmin.ts'),
        import('../../producer/index.ts'),
        import('../redriveRecord.ts'),
        import('../../../sinks/query/lakeQuery.ts'),
        import('../../../sinks/lake/dlqLedger.ts'),
      ]);
      if (options.stream === '') throw new ConfigError('--stream is empty; name the stream to put the records on, or leave it out to send each back to its own.');
      // Empty (--reason "$REASON" with the variable unset), it filtered nothing and every rejected record went back.
      if (options.reason === '') throw new ConfigError('--reason is empty; name a reason code or class (e.g. missing_field), or leave it out to re-drive every rejected record.');
      const config = loadConfig({ lake: options.lake });
      if (config.lake.startsWith('s3://')) throw new ConfigError(`dlq replay reads a local lake directory; sync ${config.lake} to a directory first.`);
      checkLakeDirectory(config.lake);
      const lake = await LakeQuery.open(config.lake);
      let rows;
      try {
        // A code (missing_field:campaign_id) or its class (missing_field), as the README names them.
        const where = options.reason ? `WHERE reason = ${quote(options.reason)} OR split_part(reason, ':', 1) = ${quote(options.reason)}` : '';
        // Sorted here, not in SQL: lakes written before sub_sequence_number have no such column.
        rows = (await lake.query(`SELECT * FROM rejected ${where}`)).sort(byPosition);
        if (options.reason && rows.length === 0) {
          const reasons = await lake.query('SELECT reason, count(*) AS n FROM rejected GROUP BY reason ORDER BY n DESC, reason LIMIT 8');
          const known = reasons.map((row) => `${String(row.reason)} (${String(row.n)})`).join(', ');
          throw new ConfigError(`no rejected record has reason ${options.reason}; ${known ? `the lake's reasons are ${known}` : 'the lake has no rejected records'}.`);
        }
      } finally {
        lake.close();
      }
      const before = options.again ? new Set<string>() : await readDlqLedger(config.lake);
      const matched = rows.length;
      rows = rows.filter((row) => !before.has(positionKey(row)));
      const skipped = matched - rows.length;
      const skippedNote = skipped > 0 ? `; skipped ${skipped} that an earlier dlq replay put back (--again re-drives them too)` : '';
      const byStream = new Map<string, typeof rows>();
      for (const row of rows) {
        const stream = options.stream ?? (row.stream as string);
        const group = byStream.get(stream);
        if (group) group.push(row);
        else byStream.set(stream, [row]);
      }
      const targets = [...byStream].map(([stream, group]) => (byStream.size > 1 ? `${stream} (${group.length})` : stream)).join(', ');
      if (options.dryRun) {
        console.log(`${rows.length} rejected records would be re-driven${targets ? ` to ${targets}` : ''}${skippedNote}`);
        // By reason, most first: what the fix being tried must cover.
        const byReason = new Map<string, number>();
        for (const row of rows) byReason.set(String(row.reason), (byReason.get(String(row.reason)) ?? 0) + 1);
        const widest = Math.max(0, ...[...byReason.keys()].map((reason) => reason.length));
        for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) console.log(`  ${reason.padEnd(widest)}  ${n}`);
        return;
      }
      const kinesis = kinesisClient(config);
      try {
        let put = 0;
        for (const [stream, group] of byStream) {
          // Rows read by a replay without --stream name the recording's file as their stream.
          if (!(await streamExists(kinesis, stream))) {
            throw new ConfigError(
              options.stream !== undefined
                ? `stream ${stream} (--stream) does not exist; create it or name another.`
                : `stream ${stream}, which the rejected records were read from, does not exist; pass --stream <name> to put them on another.`,
            );
          }
          const stats = await new Producer(kinesis, { streamName: stream }).putAll(group.map(redriveRecord));
          put += stats.records;
          await recordDlqReplay(config.lake, group);
        }
        console.log(`re-drove ${put} rejected records${targets ? ` to ${targets}` : ''}${skippedNote}`);
      } finally {
        kinesis.destroy();
      }
    });
  return dlq;
}

/** Stream, shard and sequence order, a KPL aggregate's sub-records in theirs. */
function byPosition(a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const column of ['stream', 'shard_id', 'sequence_number']) {
    const [x, y] = [String(a[column]), String(b[column])];
    if (x !== y) return x < y ? -1 : 1;
  }
  return Number(a.sub_sequence_number ?? 0) - Number(b.sub_sequence_number ?? 0);
}
