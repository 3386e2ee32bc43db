/**
 * The CDK app entry. With the CDK CLI: `cdk synth -c stage=prod` (see ../cdk.json). Without it:
 * `npm run synth -- -c stage=prod`, which parses `-c key=value` (or `--context key=value`) itself
 * and writes the cloud assembly to cdk.out/. Synthesis needs no AWS credentials and no network.
 */
import { buildApp } from '../lib/buildApp.ts';
import { parseContextArgs } from '../lib/contextArgs.ts';

async function main(): Promise<number> {
  let context: Record<string, string>;
  try {
    context = parseContextArgs(process.argv.slice(2));
    if (process.env.ADSTREAM_STAGE && context.stage === undefined) context.stage = process.env.ADSTREAM_STAGE;
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  // Under the CDK CLI, CDK_OUTDIR and CDK_CONTEXT_JSON are set and App reads them itself.
  const started = performance.now();
  try {
    const { app, stack } = buildApp({ context, outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
    const assembly = app.synth();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`synthesized ${stack.stackName} (stage ${stack.config.stage}) to ${assembly.directory} in ${seconds} s`);
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    console.error(message);
    return /^(context|region) /.test(message) ? 2 : 1;
  }
}

process.exitCode = await main();
