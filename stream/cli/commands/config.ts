/** `adstream config`: prints the effective configuration, or the README's option table. */
import { Command } from 'commander';
import { configMarkdown, loadConfig } from '../../config/load.ts';

export function configCommand(): Command {
  return new Command('config')
    .description('Print the effective configuration (defaults < ADSTREAM_CONFIG file < environment), or the option table.')
    .option('--markdown', 'print the option table as Markdown (the README section is generated from it)')
    .action((options: { markdown?: boolean }) => {
      console.log(options.markdown ? configMarkdown() : JSON.stringify(loadConfig(), null, 2));
    });
}
