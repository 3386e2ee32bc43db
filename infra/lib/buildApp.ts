/**
 * Builds the CDK app for one stage from context, with the cdk-nag AwsSolutions pack attached:
 * `app.synth()` fails on any unacknowledged finding. Used by bin/app.ts and by the tests.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { readNamedQueries } from './catalog/namedQueries.ts';
import { AdstreamStack } from './adstreamStack.ts';
import { stageFromContext } from './stage.ts';

export const QUERIES_DIR = fileURLToPath(new URL('../queries/', import.meta.url));
export const DEFAULT_REGION = 'us-east-1';

/**
 * Feature flags this app relies on (new apps get them from `cdk init`'s cdk.json; set here so
 * the tsx entry and the CLI behave the same).
 */
export const FEATURE_FLAGS: Record<string, boolean> = {
  // Grant S3 log delivery through the bucket policy, not the legacy ACL (which BUCKET_OWNER_ENFORCED forbids).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // The CDK's built-in CloudFormation schema validation fails synthesis instead of warning.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};

export interface BuildAppOptions {
  /** CDK context, e.g. `{ stage: 'prod' }`. */
  readonly context?: Record<string, string>;
  readonly outdir?: string;
  /** Where the named queries come from. @default infra/queries */
  readonly queriesDir?: string;
  /** @default the Dockerfile in infra/docker */
  readonly processorImage?: ecs.ContainerImage;
  /** @default true */
  readonly nag?: boolean;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: AdstreamStack;
}

export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const appProps: AppProps = { context: { ...FEATURE_FLAGS, ...options.context }, outdir: options.outdir };
  const app = new App(appProps);
  const read = (key: string) => app.node.tryGetContext(key) as unknown;
  const config = stageFromContext(read);
  const region = (read('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`region must look like us-east-1, but it is "${region}".`);
  const stack = new AdstreamStack(app, config.prefix, {
    config,
    region,
    namedQueries: readNamedQueries(options.queriesDir ?? QUERIES_DIR),
    processorImage: options.processorImage,
    description: `adstream ${config.stage}: Kinesis stream processor, lake, catalog, warehouse, alerts`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT },
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
