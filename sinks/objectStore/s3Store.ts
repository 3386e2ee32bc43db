/**
 * An ObjectStore on an S3 bucket and key prefix, through the real SDK v3 client. Bodies above
 * `multipartThresholdBytes` go up in parts (see multipartUpload.ts), smaller ones in one PUT.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { open, readFile } from 'node:fs/promises';
import { MIN_PART_BYTES, bytesSource, putMultipart, type UploadSource } from './multipartUpload.ts';
import type { ObjectStore } from './objectStore.ts';

export interface S3StoreOptions {
  /** Bodies larger than this are uploaded in parts; 8 MiB, as the AWS CLI does. */
  multipartThresholdBytes?: number;
  /** Size of each part but the last (at least 5 MiB, S3's minimum). */
  partBytes?: number;
  /** Parts uploaded at once. */
  partConcurrency?: number;
}

export class S3Store implements ObjectStore {
  readonly location: string;
  private readonly multipartThresholdBytes: number;
  private readonly partBytes: number;
  private readonly partConcurrency: number;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly prefix = '',
    options: S3StoreOptions = {},
  ) {
    this.location = `s3://${bucket}/${prefix}`;
    this.partBytes = options.partBytes ?? 8 * 1024 ** 2;
    this.multipartThresholdBytes = options.multipartThresholdBytes ?? this.partBytes;
    this.partConcurrency = options.partConcurrency ?? 4;
    if (this.partBytes < MIN_PART_BYTES) throw new RangeError(`partBytes must be at least ${MIN_PART_BYTES} (S3's minimum part size), but is ${this.partBytes}.`);
  }

  /**
   * Whether S3 says the bucket is not there (HeadBucket's 404). Any other answer, a 403 included
   * (a role may write under its prefix without s3:ListBucket), is not taken for a missing bucket.
   */
  async bucketMissing(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (error) {
      return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    if (body.byteLength > this.multipartThresholdBytes) return this.putInParts(key, bytesSource(body));
    // A single PutObject is atomic in S3: readers see the old object or the new one. The SHA-256
    // goes with it, so S3 rejects a body corrupted on the way instead of storing it.
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + key,
        Body: body,
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }),
    );
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, IfNoneMatch: '*', ChecksumSHA256: createHash('sha256').update(body).digest('base64') }),
      );
      return true;
    } catch (error) {
      // 412: an object is there; 409: another conditional write to the key is in flight.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return false;
      throw error;
    }
  }

  async putFile(key: string, path: string): Promise<void> {
    const file = await open(path);
    try {
      const { size } = await file.stat();
      if (size <= this.multipartThresholdBytes) return await this.put(key, await readFile(file));
      await this.putInParts(key, {
        size,
        slice: async (offset, length) => {
          const buffer = Buffer.alloc(length);
          // A read may return fewer bytes than asked for; only end of file means the file shrank.
          for (let filled = 0; filled < length; ) {
            const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled);
            if (bytesRead === 0) throw new Error(`${path} shrank while it was uploaded: ${offset + filled} of ${size} bytes`);
            filled += bytesRead;
          }
          return buffer;
        },
      });
    } finally {
      await file.close();
    }
  }

  private putInParts(key: string, source: UploadSource): Promise<void> {
    const options = { partBytes: this.partBytes, concurrency: this.partConcurrency };
    return putMultipart(this.client, { Bucket: this.bucket, Key: this.prefix + key }, source, options);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return await response.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.pages(prefix)) keys.push(...page);
    return keys.sort();
  }

  async find(prefix: string, matches: (key: string) => boolean): Promise<string | undefined> {
    for await (const page of this.pages(prefix)) {
      const found = page.find(matches);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * The keys under `prefix`, a listing page (up to 1,000) at a time, each page after the last key
   * of the one before. ListObjects (v1) with a marker, not ListObjectsV2: s3rver makes V2's
   * continuation tokens with DES, which OpenSSL 3 (Node 17 on) refuses, so any listing of more
   * than 1,000 keys failed locally with InternalError. General-purpose S3 buckets serve both alike
   * (directory buckets, S3 Express One Zone, only V2: a lake there would need V2 with StartAfter).
   */
  private async *pages(prefix: string): AsyncGenerator<string[]> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: this.prefix + prefix, Marker: marker }));
      const keys = (page.Contents ?? []).map((object) => object.Key!);
      yield keys.map((key) => key.slice(this.prefix.length));
      if (!page.IsTruncated || keys.length === 0) return;
      marker = keys[keys.length - 1];
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }
}
