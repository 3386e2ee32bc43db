/**
 * kinesalite answers GetShardIterator AT_TIMESTAMP only when a record of the shard arrived at or
 * after the timestamp: for a later time (the tip of a quiet shard) the request never got an
 * answer, and a worker started AT_TIMESTAMP waited out three 30 s timeouts and stopped with "no
 * answer from a service". Kinesis gives an iterator at the tip there, as LATEST does. kinesalite
 * is loaded here with its action wrapped to do the same.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type kinesaliteServer from 'kinesalite';
import { kinesaliteSequenceMath } from './kinesaliteSequences.ts';

const require = createRequire(import.meta.url);

interface KinesaliteStore {
  getStreamDb(name: string): { createReadStream(range: { gt: string; lt: string }): Readable };
}
interface KinesaliteDb {
  resolveShardId(shardId: string): { shardIx: number };
  shardIxToHex(shardIx: number): string;
}
type Request = Record<string, unknown>;
type Action = (store: KinesaliteStore, data: Request, cb: (error: unknown, result?: unknown) => void) => void;

let loaded: typeof kinesaliteServer | undefined;

/**
 * kinesalite, with AT_TIMESTAMP past the shard's newest record answered at the tip, and its
 * sequence-number arithmetic on BigInt (kinesaliteSequences.ts).
 */
export function loadKinesalite(): typeof kinesaliteServer {
  if (loaded) return loaded;
  kinesaliteSequenceMath();
  // Before kinesalite's index requires its actions, so it gets the wrapped one from the cache.
  const actionPath = require.resolve('kinesalite/actions/getShardIterator.js');
  const original = require(actionPath) as Action;
  require.cache[actionPath]!.exports = atTipWhenLater(original, require('kinesalite/db') as KinesaliteDb);
  loaded = require('kinesalite') as typeof kinesaliteServer;
  return loaded;
}

function atTipWhenLater(original: Action, db: KinesaliteDb): Action {
  return (store, data, cb) => {
    const at = data.ShardIteratorType === 'AT_TIMESTAMP' ? data.Timestamp : undefined;
    // kinesalite's own answers stand: no timestamp, one in the future, an unknown shard or stream.
    if (typeof at !== 'number' || at * 1000 > Date.now()) return original(store, data, cb);
    let shardIx: number;
    try {
      shardIx = db.resolveShardId(String(data.ShardId)).shardIx;
    } catch {
      return original(store, data, cb);
    }
    const records = store.getStreamDb(String(data.StreamName)).createReadStream({ gt: db.shardIxToHex(shardIx), lt: db.shardIxToHex(shardIx + 1) });
    let decided = false;
    const decide = (request: Request) => {
      if (decided) return;
      decided = true;
      records.destroy();
      original(store, request, cb);
    };
    records.on('data', (item: { value: { ApproximateArrivalTimestamp: number } }) => {
      if (item.value.ApproximateArrivalTimestamp >= at) decide(data);
    });
    records.on('end', () => decide({ ...data, ShardIteratorType: 'LATEST' }));
    records.on('error', () => decide(data));
  };
}
