/** `adstream demo` (what `npm start` runs): the whole pipeline once, on embedded services. */
import { Command } from 'commander';
import { embeddedShardCount } from '../embeddedShards.ts';
import { generatorOverrides, withGeneratorOptions, type GeneratorFlags } from '../generatorOptions.ts';
import { ProgressLine } from '../progressLine.ts';

export function demoCommand(): Command {
  return withGeneratorOptions(new Command('demo'))
    .description('Run the main job on embedded AWS services: generate traffic with anomalies, produce it onto Kinesis, consume it into the lake, and print a summary.')
    .option('--data <dir>', 'directory for everything the run writes: new, empty, or an earlier demo\'s (whose outputs it replaces)', './data/demo')
    .option('--shards <n>', 'Kinesis shards', embeddedShardCount, 4)
    .action(async (options: GeneratorFlags & { data: string; shards: number }) => {
      // Loaded when the command runs, so `adstream --help` and the light commands start at once (main.ts).
      const [{ runDemo }, { demoSummary, progressText }] = await Promise.all([import('../../demo/runDemo.ts'), import('../../demo/summary.ts')]);
      const started = performance.now();
      const line = new ProgressLine();
      let last = '';
      const result = await runDemo({
        dataDir: options.data,
        // Only once --data is accepted: a refused directory gets its one sentence and nothing before it.
        onStarting: () => console.log(`adstream demo: starting kinesalite, dynalite and s3rver; output goes to ${options.data}`),
        shards: options.shards,
        generator: generatorOverrides(options),
        onProgress: (progress) => {
          last = progressText(progress, performance.now() - started);
          line.update(last);
        },
        printAlert: (text) => line.log(text),
      });
      // The final counts, also where the line is printed only every few seconds (a log, a pipe).
      line.done(last);
      console.log(demoSummary(result, performance.now() - started));
      const { stats } = result;
      if (stats.written + stats.rejected + stats.duplicates !== stats.recordsIn) throw new Error('the counters do not add up; see the summary above.');
    });
}
