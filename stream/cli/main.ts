/**
 * The adstream command line. Exit codes: 0 ok, 1 failure, 2 usage or configuration mistake.
 * Every command has --help; every mistake is reported in one sentence.
 *
 * The command modules import only what defines their options; each loads its machinery (the AWS
 * SDK, DuckDB, the pipeline) when it runs. Loaded up front, those took about 2 s through tsx
 * before anything happened, so `adstream --help`, `config` and every usage mistake waited 2 s.
 */
import { PACKAGE_VERSION } from '../packageVersion.ts';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { failureMessage, isEndpointMistake, isPathMistake } from './failureMessage.ts';
import { configCommand } from './commands/config.ts';
import { demoCommand } from './commands/demo.ts';
import { digestCommand } from './commands/digest.ts';
import { dlqCommand } from './commands/dlq.ts';
import { generateCommand } from './commands/generate.ts';
import { loadWarehouseCommand } from './commands/loadWarehouse.ts';
import { localCommand } from './commands/local.ts';
import { produceCommand } from './commands/produce.ts';
import { queryCommand } from './commands/query.ts';
import { recordCommand } from './commands/record.ts';
import { replayCommand } from './commands/replay.ts';
import { runCommand } from './commands/run.ts';
import { scoreNabCommand } from './commands/scoreNab.ts';
import { schemasCommand } from './commands/schemas.ts';
import { StoppedBySignal } from './stopSignals.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('adstream')
    .description('Event-sourced stream processor for ad-tech traffic on Amazon Kinesis.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of adstream')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [demoCommand(), generateCommand(), produceCommand(), runCommand(), queryCommand(), loadWarehouseCommand(), recordCommand(), replayCommand(), localCommand(), configCommand(), dlqCommand(), scoreNabCommand(), digestCommand(), schemasCommand()]) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

/**
 * A failure is reported on one line: some messages carry line breaks of their own (V8 quotes the
 * text a JSON.parse refused, kinesalite's limit errors span lines), and a log reader or a
 * `grep adstream:` should get the whole sentence.
 */
const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, ' ').trim();

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user, except the help
      // commander prints on stderr when no command was given (exit code 1): that is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.help' && error.exitCode === 0) return EXIT_OK;
      if (error.code === 'commander.help') console.error('adstream: no command given; choose one of those listed above.');
      return EXIT_USAGE;
    }
    if (error instanceof StoppedBySignal) return error.exitCode;
    if (error instanceof ConfigError) {
      console.error(`adstream: ${oneLine(error.message)}`);
      return EXIT_USAGE;
    }
    console.error(`adstream: ${oneLine(failureMessage(error))}`);
    if (process.env.ADSTREAM_DEBUG) console.error(error);
    return isPathMistake(error) || isEndpointMistake(error) ? EXIT_USAGE : EXIT_FAILURE;
  }
}
