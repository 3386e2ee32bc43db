/**
 * A reader that stops early (`adstream query ... | head`) closes stdout, and the next write fails
 * with EPIPE: for a command whose output is all it does, that is the reader being done, not a
 * failure worth a stack trace, so the command ends there, exit 0. A command that is still changing
 * things as it prints (run --events, dlq replay, load-warehouse, replay, record, local, a digest
 * that is yet to publish) is not cut short this way: it would skip releasing leases, noting what
 * it re-drove or publishing, so the error stays an error.
 */

/** Commands that print and change nothing. */
const READ_ONLY = new Set(['query', 'config', 'score-nab', 'schemas']);
/**
 * Commands that print to stdout only once their work is done (every record put, every file
 * written): the reader has missed only the summary, and the work stands.
 */
const SUMMARY_AFTER_THE_WORK = new Set(['produce', 'generate']);

/** Whether a closed stdout may end `adstream <args>` at once, exit 0. */
export function endsQuietlyOnClosedPipe(args: readonly string[]): boolean {
  const [command, subcommand] = args;
  if (READ_ONLY.has(command) || SUMMARY_AFTER_THE_WORK.has(command)) return true;
  // A digest's report is printed before it is published to --sns-topic.
  if (command === 'digest') return !args.some((arg) => arg === '--sns-topic' || arg.startsWith('--sns-topic='));
  // A dry run counts what would be re-driven and puts nothing.
  return command === 'dlq' && subcommand === 'replay' && args.includes('--dry-run');
}

/** stdout's 'error' listener: ends the process quietly where a closed pipe allows it, else fails as before. */
export function onStdoutError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' && endsQuietlyOnClosedPipe(process.argv.slice(2))) process.exit(0);
  throw error;
}
