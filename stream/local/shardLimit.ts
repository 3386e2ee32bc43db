/** Shards the embedded Kinesis holds across its streams (kinesalite's limit, as an account's default quota). */
export const EMBEDDED_SHARD_LIMIT = 100;
