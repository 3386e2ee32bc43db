/**
 * A Kinesis endpoint in front of a real one that holds calls of one operation, for tests that
 * signal a command while its calls are in flight: the first `passing` calls go through, the
 * next ones wait until `release()`, and every call after that goes through.
 */
import { createServer, request } from 'node:http';
import { listenLocally } from '../../stream/local/localHttp.ts';

export interface HoldingKinesis {
  endpoint: string;
  /** Resolves once a call is held. */
  holding(): Promise<void>;
  /** Sends the held calls on, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

export async function kinesisHolding(target: string, operation: 'GetRecords' | 'PutRecords', passing: number): Promise<HoldingKinesis> {
  const held: (() => void)[] = [];
  let firstHeld: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (firstHeld = resolve));
  let calls = 0;
  let released = false;
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    const forward = () =>
      req.pipe(
        request({ host: hostname, port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        }),
      );
    const isHeld = !released && String(req.headers['x-amz-target']).endsWith(`.${operation}`) && ++calls > passing;
    if (!isHeld) return forward();
    held.push(forward);
    firstHeld();
  });
  const listening = await listenLocally(server);
  const release = () => {
    released = true;
    for (const forward of held.splice(0)) forward();
  };
  return {
    endpoint: listening.endpoint,
    holding: () => holding,
    release,
    close: async () => {
      release();
      await listening.close();
    },
  };
}
