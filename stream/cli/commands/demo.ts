/** `adstream demo` (what `npm start` runs): the whole pipeline once, on embedded services. */
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { embeddedShardCount } from '../embeddedShards.ts';
import { generatorOverrides, withGeneratorOptions, type GeneratorFlags } from '../generatorOptions.ts';
import { ProgressLine } from '../progressLine.ts';
import { StoppedBySignal, stopOnSignals } from '../stopSignals.ts';

export function demoCommand(): Command {
  return withGeneratorOptions(new Command('demo'))
    .description('Run the main job on embedded AWS services: generate traffic with anomalies, produce it onto Kinesis, consume it into the lake, and print a summary.')
    .option('--data <dir>', 'directory for everything the run writes: new, empty, or an earlier demo\'s (whose outputs it replaces)', pathOption, './data/demo')
    .option('--shards <n>', 'Kinesis shards', embeddedShardCount, 4)
    .action(async (options: GeneratorFlags & { data: string; shards: number }) => {
      // Loaded when the command runs, so `adstream --help` and the light commands start at once (main.ts).
      const [{ runDemo }, { demoSummary, progressText, stoppedText }] = await Promise.all([import('../../demo/runDemo.ts'), import('../../demo/summary.ts')]);
      const started = performance.now();
      const line = new ProgressLine();
      let last = '';
      const generator = generatorOverrides(options);
      // Ctrl-C ended the process where it stood: no word of what the data directory held, and the embedded S3's temporary folder left behind.
      const stop = stopOnSignals(
        (signal) => line.log(`${signal}: stopping; putting no more records, committing what the worker read and stopping the embedded services (a second signal exits at once) ...`),
        `the embedded services end with the process and leave their temporary folder (adstream-s3-* in ${tmpdir()}) behind; ${options.data} holds a partial run, which the next demo replaces.`,
      );
      const result = await runDemo({
        signal: stop.signal,
        dataDir: options.data,
        // Only once --data is accepted: a refused directory gets its one sentence and nothing before it.
        onStarting: () => console.log(`adstream demo: starting kinesalite, dynalite and s3rver; output goes to ${options.data}`),
        shards: options.shards,
        generator,
        onProgress: (progress) => {
          last = progressText(progress, performance.now() - started);
          line.update(last);
        },
        printAlert: (text) => line.log(text),
      }).finally(() => stop.dispose());
      // The final counts, also where the line is printed only every few seconds (a log, a pipe).
      line.done(last);
      if ('stopped' in result) {
        line.log(stoppedText(result));
        throw new StoppedBySignal(stop.exitCode() ?? 1);
      }
      console.log(demoSummary(result, performance.now() - started));
      const { stats } = result;
      if (stats.written + stats.rejected + stats.duplicates !== stats.recordsIn) throw new Error('the counters do not add up; see the summary above.');
    });
}
