/**
 * Grants with exact actions. The CDK's `bucket.grantReadWrite` and `key.grantEncrypt` hand out
 * prefix wildcards (`s3:GetObject*`, `kms:GenerateDataKey*`); these helpers name each action a
 * component actually calls, so no data resource is reachable through a wildcard action. Object
 * ARNs still end in `/*`: every key under the bucket (or prefix) is the resource.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

export type ObjectAction = 'read' | 'write' | 'delete' | 'list';

const OBJECT_ACTIONS: Record<Exclude<ObjectAction, 'list'>, string[]> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
};

/**
 * Listing `bucket` only under `prefix` (ListBucket with an s3:prefix condition): for a reader that
 * lists one folder of a bucket it otherwise only writes.
 */
export function grantListUnder(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } });
}

/** Object access on `bucket` (optionally under `prefix`), with exact actions. */
export function grantObjects(grantee: iam.IGrantable, bucket: s3.IBucket, access: readonly ObjectAction[], prefix = ''): void {
  const objectActions = access.flatMap((a) => (a === 'list' ? [] : OBJECT_ACTIONS[a]));
  if (objectActions.length > 0) {
    iam.Grant.addToPrincipal({ grantee, actions: objectActions, resourceArns: [bucket.arnForObjects(`${prefix}*`)] });
  }
  if (access.includes('list')) {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket', 's3:GetBucketLocation'], resourceArns: [bucket.bucketArn] });
  }
}

export type KeyUse = 'decrypt' | 'encrypt' | 'describe';

const KEY_ACTIONS: Record<KeyUse, string> = {
  decrypt: 'kms:Decrypt',
  // The services (S3, Kinesis, SNS, DynamoDB) call GenerateDataKey, never the WithoutPlaintext variants.
  encrypt: 'kms:GenerateDataKey',
  describe: 'kms:DescribeKey',
};

export function grantKey(grantee: iam.IGrantable, key: kms.IKey, uses: readonly KeyUse[]): void {
  iam.Grant.addToPrincipal({ grantee, actions: uses.map((u) => KEY_ACTIONS[u]), resourceArns: [key.keyArn] });
}

/** Exact actions on any resource ARN (DynamoDB, SNS, Athena, Glue...). */
export function grantActions(grantee: iam.IGrantable, actions: readonly string[], resourceArns: readonly string[]): void {
  iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [...resourceArns] });
}
