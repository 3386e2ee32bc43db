/**
 * Uploads a large body to S3 in parts: CreateMultipartUpload, UploadPart for each slice with its
 * SHA-256 (S3 rejects a part corrupted on the way, and keeps a checksum of the part checksums for
 * the object), then CompleteMultipartUpload. Like a single PUT, the object appears whole or not at
 * all: until the upload is completed readers see the old object under the key. On any failure the
 * upload is aborted, so S3 does not keep (and bill) orphaned parts.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3 refuses parts below 5 MiB, except the last. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;

export interface MultipartOptions {
  partBytes: number;
  /** Parts in flight at once. */
  concurrency: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');

/** What is uploaded: its size and a way to read any slice of it (memory, or a file on disk). */
export interface UploadSource {
  size: number;
  slice(offset: number, length: number): Promise<Uint8Array>;
}

export const bytesSource = (body: Uint8Array): UploadSource => ({
  size: body.byteLength,
  slice: async (offset, length) => body.subarray(offset, offset + length),
});

export async function putMultipart(
  client: Pick<S3Client, 'send'>,
  target: { Bucket: string; Key: string },
  source: UploadSource,
  { partBytes, concurrency }: MultipartOptions,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ ...target, ChecksumAlgorithm: 'SHA256' }));
  try {
    const partCount = Math.max(1, Math.ceil(source.size / partBytes));
    const parts: CompletedPart[] = new Array(partCount);
    let nextIndex = 0;
    // Each uploader reads its slice just before sending it: at most `concurrency` parts in memory.
    const uploader = async () => {
      for (let index = nextIndex++; index < partCount; index = nextIndex++) {
        const offset = index * partBytes;
        const Body = await source.slice(offset, Math.min(partBytes, source.size - offset));
        const ChecksumSHA256 = sha256(Body);
        const PartNumber = index + 1;
        const { ETag } = await client.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body, ChecksumSHA256 }));
        parts[index] = { PartNumber, ETag, ChecksumSHA256 };
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, partCount) }, uploader));
    await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    // Best effort: the upload's own error is the one worth reporting.
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw error;
  }
}
