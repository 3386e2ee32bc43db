/**
 * A recording writer's stream into its file. The file's errors (EISDIR, EACCES, ENOSPC) reject
 * the next write or the close, so `adstream record` stops with a sentence naming the file,
 * instead of an unhandled 'error' event ending the process mid-recording.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordingError } from './recording.ts';

export class RecordingOutput {
  private failure: RecordingError | undefined;
  private readonly done: Promise<void>;

  /** `head` encodes (gzip, Avro blocks) into the file at `path`. */
  constructor(
    private readonly head: Duplex,
    path: string,
  ) {
    this.done = pipeline(head, createWriteStream(path)).catch((error: Error) => {
      this.failure = new RecordingError(`${path} could not be written: ${error.message}`);
    });
  }

  async write(chunk: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      if (!this.head.write(chunk)) await Promise.race([once(this.head, 'drain'), this.done]);
    } catch (error) {
      await this.done;
      throw this.failure ?? error;
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (!this.failure) this.head.end();
    await this.done;
    if (this.failure) throw this.failure;
  }
}
