/**
 * What every wire-level double of an AWS API shares (SNS, Firehose, Redshift Data API): reading
 * the SDK's request body, and an HTTP server on an ephemeral 127.0.0.1 port that closes at once,
 * keep-alive connections included, when the test is done. The local SNS of `adstream local`
 * uses the same (stream/local/localHttp.ts).
 */
export { listenLocally, readBody } from '../../stream/local/localHttp.ts';
