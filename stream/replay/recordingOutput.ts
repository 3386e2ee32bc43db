/**
 * A recording writer's encoder (gzip, Avro blocks) and its file. `flush` makes what was written
 * so far reach the file: `adstream record` flushes after every GetRecords result, so a recorder
 * that is killed leaves a file whose records up to its last flush can still be replayed
 * (`adstream replay --allow-truncated`). The file's errors (EISDIR, EACCES, ENOSPC) reject the
 * next write, flush or close, so `adstream record` stops with a sentence naming the file,
 * instead of an unhandled 'error' event ending the process mid-recording.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { RecordingError } from './recording.ts';

export class RecordingOutput {
  private failure: RecordingError | undefined;
  /** The file writes so far, one after another in the encoder's order. */
  private written: Promise<void> = Promise.resolve();
  private readonly file: Promise<FileHandle>;

  /**
   * `head` encodes into the file at `path`; `flushHead` makes it put out what it holds (gzip's
   * sync flush), where the encoder has one.
   */
  constructor(
    private readonly head: Duplex,
    private readonly path: string,
    private readonly flushHead?: () => Promise<void>,
  ) {
    this.file = open(path, 'w');
    this.file.catch((error: Error) => this.fail(error));
    head.on('data', (chunk: Buffer) => {
      this.written = this.written.then(async () => {
        if (this.failure) return;
        const file = await this.file;
        // One write call may take only part of a chunk (a file size limit, a disk nearly full).
        for (let at = 0; at < chunk.length; ) {
          const { bytesWritten } = await file.write(chunk, at, chunk.length - at);
          if (bytesWritten === 0) throw new Error('the file takes no more bytes');
          at += bytesWritten;
        }
      }).catch((error: Error) => this.fail(error));
    });
    head.on('error', (error: Error) => this.fail(error));
  }

  /** Hands the chunk to the encoder; it reaches the file by the next `flush` or `close`. */
  async write(chunk: unknown): Promise<void> {
    this.check();
    if (!this.head.write(chunk)) await once(this.head, 'drain');
  }

  /** Resolves once everything written so far is in the file (to the encoder's last whole block). */
  async flush(): Promise<void> {
    this.check();
    await this.flushHead?.();
    await this.written;
    this.check();
  }

  async close(): Promise<void> {
    if (!this.failure) {
      const ended = once(this.head, 'end');
      this.head.end();
      await ended.catch(() => undefined);
    }
    await this.written;
    await (await this.file.catch(() => undefined))?.close();
    this.check();
  }

  private fail(error: Error): void {
    this.failure ??= new RecordingError(`${this.path} could not be written: ${error.message}`);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
