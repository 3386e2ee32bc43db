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

export async function putMultipart(
  client: Pick<S3Client, 'send'>,
  target: { Bucket: string; Key: string },
  body: Uint8Array,
  { partBytes, concurrency }: MultipartOptions,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ ...target, ChecksumAlgorithm: 'SHA256' }));
  try {
    const slices: Uint8Array[] = [];
    for (let offset = 0; offset < body.byteLength; offset += partBytes) slices.push(body.subarray(offset, offset + partBytes));
    const parts: CompletedPart[] = new Array(slices.length);
    let nextIndex = 0;
    const uploader = async () => {
      for (let index = nextIndex++; index < slices.length; index = nextIndex++) {
        const ChecksumSHA256 = sha256(slices[index]);
        const PartNumber = index + 1;
        const { ETag } = await client.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body: slices[index], ChecksumSHA256 }));
        parts[index] = { PartNumber, ETag, ChecksumSHA256 };
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, slices.length) }, uploader));
    await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    // Best effort: the upload's own error is the one worth reporting.
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw error;
  }
}
