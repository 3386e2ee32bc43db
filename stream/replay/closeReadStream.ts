/**
 * Ends a file read stream and waits until its descriptor is closed. `destroy()` alone closes the
 * file a little later, so a refused recording could reach the caller while still open (a test
 * counting open descriptors saw it under load).
 */
import type { ReadStream } from 'node:fs';

export async function closeReadStream(file: ReadStream): Promise<void> {
  if (file.closed) return;
  const closed = new Promise<void>((resolve) => file.once('close', () => resolve()));
  file.destroy();
  await closed;
}
