/** `adstream config`: prints the effective configuration, or the README's option table. */
import { Command } from 'commander';
import { configMarkdown, loadConfig } from '../../config/load.ts';
import { windowGroupingsOf } from '../../config/groupings.ts';
import { startingPositionOf } from '../../config/startingPosition.ts';

export function configCommand(): Command {
  return new Command('config')
    .description('Print the effective configuration (defaults < ADSTREAM_CONFIG file < environment), or the option table.')
    .option('--markdown', 'print the option table as Markdown (the README section is generated from it)')
    .action((options: { markdown?: boolean }) => {
      if (options.markdown) {
        console.log(configMarkdown());
        return;
      }
      const config = loadConfig();
      // The checks across options that run and replay make: a configuration this prints is one they accept.
      windowGroupingsOf(config.windowGroupings);
      startingPositionOf(config);
      console.log(JSON.stringify(config, null, 2));
    });
}
