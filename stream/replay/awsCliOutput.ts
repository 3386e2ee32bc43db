/**
 * What the AWS CLI prints for `aws kinesis get-records` when its output is not JSON: a profile
 * with `output = text` (or yaml, or table) in ~/.aws/config changes what the documented capture
 * command writes, and the capture was then refused only as "neither JSON Lines nor JSON
 * documents", which did not say that one option makes it right. Told by the first line.
 */

const OUTPUTS: { output: string; firstLine: RegExp }[] = [
  // Top-level keys in name order: MillisBehindLatest, NextShardIterator, Records (CLI v2).
  { output: 'yaml', firstLine: /^(ChildShards|MillisBehindLatest|NextShardIterator|Records):|^- (ApproximateArrivalTimestamp|Data|PartitionKey|SequenceNumber):/ },
  // A box drawn in dashes around the operation's name.
  { output: 'table', firstLine: /^-{3,}$/ },
  // Tab-separated: `<ms behind><TAB><next iterator>`, a `RECORDS` or `CHILDSHARDS` row, or with
  // --query Records a record's values in name order (arrival, data, partition key, sequence number).
  { output: 'text', firstLine: /^([0-9]+\t[A-Za-z0-9+/=]+|(RECORDS|CHILDSHARDS)\t.*|[0-9.:T+-]+\t[A-Za-z0-9+/=]*\t[^\t]*\t[0-9]+)$/ },
];

/** The CLI's `--output` that printed a file starting with this line, if it reads as one. */
export function awsCliOutputOf(firstLine: string): string | undefined {
  return OUTPUTS.find(({ firstLine: pattern }) => pattern.test(firstLine))?.output;
}

/** The refusal's remedy for such a file. */
export const awsCliOutputRemedy = (output: string): string =>
  `it is the AWS CLI's ${output} output (--output ${output}, or output = ${output} in the profile's ~/.aws/config), which replay does not read: run get-records again with --output json`;
