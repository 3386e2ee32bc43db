/**
 * `adstream run` as a child process, for tests that kill, pause or terminate a worker the way an
 * operator or an orchestrator would. Its consumer events (JSON lines on stdout, where `run --events`
 * prints them for a pipe) are collected, and every line of both streams.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ConsumerEvent } from '../../stream/consumer/leases/leaseCoordinator.ts';

const BIN = join(import.meta.dirname, '../../stream/cli/bin.js');

export interface ChildWorker {
  id: string;
  process: ChildProcess;
  events: ConsumerEvent[];
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startChildWorker(id: string, env: Record<string, string>): ChildWorker {
  const child = spawn('node', [BIN, 'run', '--events', '--worker-id', id, '--health-port', '0'], {
    env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: ChildWorker = {
    id,
    process: child,
    events: [],
    output: [],
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  // One partial line per stream: the two interleave in time, never within a line.
  const collector = (eventsHere: boolean) => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        worker.output.push(line);
        if (eventsHere && line.startsWith('{"name":"consumer.')) worker.events.push(JSON.parse(line) as ConsumerEvent);
      }
    };
  };
  child.stdout!.on('data', collector(true));
  child.stderr!.on('data', collector(false));
  return worker;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
