/**
 * `adstream local`: the embedded AWS services as a long-running process, for trying adstream
 * (or the AWS CLI) against Kinesis, DynamoDB and S3 without an account, and SNS Publish
 * (stream/local/snsServer.ts: each message a worker or `digest --sns-topic` publishes is printed here).
 * Prints the environment to point other shells at it, and stops on Ctrl-C.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { embeddedShardCount } from '../embeddedShards.ts';

import { wholeNumberOption } from '../wholeNumberOption.ts';
import type { PublishedMessage } from '../../local/snsServer.ts';

/** S3's bucket naming rules (lower case, digits, dots and hyphens, 3 to 63, a letter or digit at each end): s3rver takes any name, S3 would not. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DEFAULT_BUCKETS = ['adstream-lake'];

const bucketName = (value: string, previous: string[] | undefined): string[] => {
  if (!S3_BUCKET.test(value)) throw new InvalidArgumentError(`"${value}" is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit).`);
  // Given buckets replace the default, as commander's variadic options do; repeats add up.
  return previous === DEFAULT_BUCKETS ? [value] : [...(previous ?? []), value];
};

const port = wholeNumberOption(1, 65535, 'a port number from 1 to 65535');

export function localCommand(): Command {
  return new Command('local')
    .description('Start the embedded Kinesis, DynamoDB and S3 servers and a local SNS (Publish, printed here), and keep them running until Ctrl-C.')
    .option('--kinesis-port <port>', 'Kinesis port', port, 4567)
    .option('--dynamodb-port <port>', 'DynamoDB port', port, 4568)
    .option('--s3-port <port>', 'S3 port', port, 4569)
    .option('--sns-port <port>', 'SNS port (Publish only: each message is printed, not delivered)', port, 4570)
    .option('--shards <n>', 'create the stream (ADSTREAM_STREAM) with this many shards', embeddedShardCount, 4)
    .option('--bucket <name...>', 'S3 buckets to create', bucketName, DEFAULT_BUCKETS)
    .action(async (options: { kinesisPort: number; dynamodbPort: number; s3Port: number; snsPort: number; shards: number; bucket: string[] }) => {
      const ports = [['--kinesis-port', options.kinesisPort], ['--dynamodb-port', options.dynamodbPort], ['--s3-port', options.s3Port], ['--sns-port', options.snsPort]] as const;
      const shared = ports.filter(([, p]) => ports.filter(([, other]) => other === p).length > 1);
      if (shared.length > 0) throw new ConfigError(`${shared.map(([name]) => name).join(' and ')} are ${shared.length === 2 ? 'both' : 'all'} ${shared[0][1]}: give each service a port of its own.`);
      const [{ kinesisClient }, { ensureStream }, { startLocalServices }, { startSnsServer }] = await Promise.all([
        import('../../aws/clients.ts'),
        import('../../aws/streamAdmin.ts'),
        import('../../local/embeddedServices.ts'),
        import('../../local/snsServer.ts'),
      ]);
      const services = await startLocalServices({
        buckets: options.bucket,
        ports: { kinesisEndpoint: options.kinesisPort, dynamodbEndpoint: options.dynamodbPort, s3Endpoint: options.s3Port },
      }).catch((error: unknown) => {
        const refusal = error as NodeJS.ErrnoException & { port?: number };
        if (refusal.code !== 'EADDRINUSE') throw error;
        throw new ConfigError(`port ${refusal.port ?? ''} is in use (by another adstream local?): stop what holds it, or choose other ports with --kinesis-port, --dynamodb-port, --s3-port and --sns-port.`);
      });
      const sns = await startSnsServer({ port: options.snsPort, onPublish: (m) => console.log(publishedLine(m)) }).catch(async (error: unknown) => {
        await services.stop().catch(() => undefined);
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        throw new ConfigError(`port ${options.snsPort} is in use (by another adstream local?): stop what holds it, or choose another with --sns-port.`);
      });
      const stopAll = async (): Promise<void> => {
        await sns.close();
        await services.stop();
      };
      let config;
      try {
        config = loadConfig({ ...services.endpoints });
        const kinesis = kinesisClient(config);
        try {
          await ensureStream(kinesis, config.stream, options.shards);
        } finally {
          kinesis.destroy();
        }
      } catch (error) {
        // A bad setting (ADSTREAM_STREAM, a typo'd variable) must end the command, not leave the servers running with nobody told.
        // The refusal is the news; a server that also fails to stop must not replace it.
        await stopAll().catch(() => undefined);
        throw error;
      }
      // Any account id and topic name will do: the local SNS takes any well-formed topic ARN.
      // The stream too: made from ADSTREAM_STREAM in this shell, it is not the default in the next.
      const environment = {
        ...services.environment,
        ADSTREAM_STREAM: config.stream,
        ADSTREAM_SNS_ENDPOINT: sns.endpoint,
        ADSTREAM_ALERT_TOPIC_ARN: `arn:aws:sns:${config.region}:000000000000:adstream-alerts`,
      };
      console.log(`Kinesis ${services.endpoints.kinesisEndpoint} (stream ${config.stream}, ${options.shards} shards), DynamoDB ${services.endpoints.dynamodbEndpoint}, S3 ${services.endpoints.s3Endpoint} (buckets ${options.bucket.join(', ')}), SNS ${sns.endpoint} (Publish: messages are printed below)`);
      console.log('In another shell:');
      for (const [name, value] of Object.entries(environment)) console.log(`  export ${name}=${value}`);
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await stopAll();
    });
}

/** One published message as the local SNS prints it: topic, subject, attributes a filter policy would see, and the body. */
function publishedLine(m: PublishedMessage): string {
  const topic = m.topicArn.slice(m.topicArn.lastIndexOf(':') + 1);
  const attributes = Object.entries(m.attributes).map(([name, { stringValue }]) => `${name}=${stringValue ?? ''}`).join(' ');
  return `SNS ${topic}: ${m.subject ?? '(no subject)'}${attributes ? ` [${attributes}]` : ''}\n${m.message.replace(/^/gm, '    ')}`;
}
