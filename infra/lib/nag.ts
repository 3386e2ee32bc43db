/**
 * Helpers for cdk-nag acknowledgements that recur. cdk-nag 3 identifies each IAM5 finding by the
 * wildcard it found, e.g. `AwsSolutions-IAM5[Resource::<LakeBucket1234.Arn>/*]`, so an
 * acknowledgement names the exact bucket: a new wildcard elsewhere still fails the check.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** The region as cdk-nag prints it in an ARN: the name when the stack has one, else the pseudo parameter. */
export const nagRegion = (scope: IConstruct): string => {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
};

/** The logical id CloudFormation gives a bucket, as cdk-nag prints it in finding ids. */
export function logicalIdOf(bucket: s3.IBucket): string {
  const child = bucket.node.defaultChild as unknown as { logicalId: string } | undefined;
  if (!child) throw new Error(`${bucket.node.path} has no CloudFormation resource, so its finding id cannot be named.`);
  return Stack.of(bucket).resolve(child.logicalId) as string;
}

/** Acknowledges `<bucket>.Arn/<prefix>*` object resources in `scope`'s policies. */
export function acknowledgeObjectWildcard(scope: IConstruct, bucket: s3.IBucket, reason: string, prefix = ''): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${prefix}*]`, reason });
}
