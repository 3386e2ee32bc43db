/**
 * The embedded AWS services in a separate process (`adstream local`), for benchmarks: in the
 * same process kinesalite's own CPU work would be charged to the consumer being measured, which
 * a real Kinesis endpoint never is.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { LocalEndpoints } from '../../stream/local/embeddedServices.ts';

const BIN = join(import.meta.dirname, '../../stream/cli/bin.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startSeparateServices(): Promise<{ endpoints: LocalEndpoints; stop(): Promise<void> }> {
  const [kinesis, dynamodb, s3] = [await freePort(), await freePort(), await freePort()];
  const child = spawn('node', [BIN, 'local', '--kinesis-port', String(kinesis), '--dynamodb-port', String(dynamodb), '--s3-port', String(s3), '--shards', '1'], {
    env: { ...process.env, ADSTREAM_STREAM: 'adstream-local-unused', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`adstream local exited with ${code}: ${output}`)));
  });
  const url = (port: number) => `http://127.0.0.1:${port}`;
  return {
    endpoints: { kinesisEndpoint: url(kinesis), dynamodbEndpoint: url(dynamodb), s3Endpoint: url(s3) },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
