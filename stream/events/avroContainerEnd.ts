/**
 * Whether an Avro object container file is whole: every complete container ends with its sync
 * marker, and avsc's decoders end quietly, with no error, on a file cut inside a block.
 */
import { open } from 'node:fs/promises';

export async function endsWithSync(path: string, sync: Buffer): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < sync.length) return false;
    const { buffer } = await file.read(Buffer.alloc(sync.length), 0, sync.length, size - sync.length);
    return buffer.equals(sync);
  } finally {
    await file.close();
  }
}
