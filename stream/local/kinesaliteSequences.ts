/**
 * kinesalite's sequence numbers on the engine's BigInt. kinesalite does their arithmetic with
 * bignumber.js, converting numbers near 2^185 between decimal and hexadecimal in JavaScript for
 * every record put and every record read: 6.1 of the 19.8 CPU-seconds of `npm start`, and as large
 * a share of every integration test that puts and reads records.
 *
 * The replacements handle the sequence numbers kinesalite makes (its version 2 layout) and hand
 * everything else (other layouts, malformed input, the cases kinesalite refuses) to kinesalite's
 * own function, so its answers and errors stay its own. test/stream/local/kinesaliteSequences.test.ts
 * holds the two alike.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** A sequence number's fields, as kinesalite's parseSequence gives them and stringifySequence takes them. */
export interface SequenceParts {
  shardCreateTime: number;
  seqIx?: string | number;
  byte1?: string;
  seqTime?: number;
  shardIx?: number;
  seqRand?: string;
  version?: number | null;
}

/** The kinesalite/db functions replaced here; its actions call them through the module object. */
export interface SequenceMath {
  parseSequence(seq: unknown): SequenceParts;
  stringifySequence(parts: SequenceParts): string;
  /** A bignumber.js BigNumber, which putRecords compares with the shards' hash key ranges. */
  partitionKeyToHashKey(partitionKey: string): unknown;
}

interface KinesaliteDb extends SequenceMath {
  shardIxToHex(shardIx: number | undefined): string;
}

type BigNumberConstructor = new (value: string) => unknown;

const POW_2_185 = 1n << 185n;
/** 1.5 × 2^185: version 2 sequence numbers lie between 2^185 and this, and end in the digit 2. */
const POW_2_185_NEXT = 3n << 184n;
/** kinesalite refuses a shard creation time from this many seconds on. */
const LATEST_CREATE_SECONDS = 16025175000;
const DECIMAL = /^\d+$/;
const HEX = /^[0-9a-f]+$/;

const padHex = (value: number, zeros: string, width: number): string => (zeros + value.toString(16)).slice(-width);

/** `kinesalite`'s functions, with the BigInt versions in front of them. */
export function bigIntSequenceMath(kinesalite: KinesaliteDb, BigNumber: BigNumberConstructor): SequenceMath {
  return {
    parseSequence(seq) {
      if (typeof seq !== 'string' || !DECIMAL.test(seq)) return kinesalite.parseSequence(seq);
      const value = BigInt(seq);
      if (value <= POW_2_185 || value >= POW_2_185_NEXT) return kinesalite.parseSequence(seq);
      const hex = value.toString(16);
      const seqIxHex = hex.slice(11, 27);
      const shardIxHex = hex.slice(38, 46);
      const shardCreateSeconds = parseInt(hex.slice(1, 10), 16);
      const refused = parseInt(seqIxHex[0], 16) > 7 || shardCreateSeconds >= LATEST_CREATE_SECONDS;
      if (hex.at(-1) !== '2' || refused) return kinesalite.parseSequence(seq);
      return {
        shardCreateTime: shardCreateSeconds * 1000,
        seqIx: BigInt(`0x${seqIxHex}`).toString(),
        byte1: hex.slice(27, 29),
        seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
        shardIx: parseInt(parseInt(shardIxHex[0], 16) > 7 ? `-${shardIxHex}` : shardIxHex, 16),
        version: 2,
      };
    },

    stringifySequence(parts) {
      const { seqIx = 0 } = parts;
      const wholeSeqIx = typeof seqIx === 'number' ? Number.isSafeInteger(seqIx) && seqIx >= 0 : DECIMAL.test(seqIx);
      if ((parts.version != null && parts.version !== 2) || !wholeSeqIx) return kinesalite.stringifySequence(parts);
      const hex = [
        '2',
        padHex(Math.floor(parts.shardCreateTime / 1000), '00000000', 9),
        (parts.shardIx || 0).toString(16).slice(-1),
        ('0000000000000000' + BigInt(seqIx || 0).toString(16)).slice(-16),
        parts.byte1 || '00',
        padHex(Math.floor((parts.seqTime || parts.shardCreateTime) / 1000), '00000000', 9),
        kinesalite.shardIxToHex(parts.shardIx),
        '2',
      ].join('');
      return HEX.test(hex) ? BigInt(`0x${hex}`).toString() : kinesalite.stringifySequence(parts);
    },

    partitionKeyToHashKey(partitionKey) {
      if (typeof partitionKey !== 'string') return kinesalite.partitionKeyToHashKey(partitionKey);
      // bignumber.js reads decimal digits quickly; it is hexadecimal it converts slowly.
      return new BigNumber(BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`).toString());
    },
  };
}

/** Where the functions kinesalite/db was loaded with are kept, across module reloads in one process. */
const ORIGINALS = Symbol.for('adstream.kinesaliteSequenceMath');

/**
 * kinesalite/db's own functions and the BigInt ones in front of them. The first call puts the
 * BigInt ones in place, once per process: kinesalite's actions then use them.
 */
export function kinesaliteSequenceMath(): { kinesalite: SequenceMath; bigInt: SequenceMath } {
  const require = createRequire(import.meta.url);
  const db = require('kinesalite/db') as KinesaliteDb & { [ORIGINALS]?: KinesaliteDb };
  const BigNumber = createRequire(require.resolve('kinesalite'))('bignumber.js') as BigNumberConstructor;
  if (!db[ORIGINALS]) {
    const kinesalite = { ...db };
    db[ORIGINALS] = kinesalite;
    Object.assign(db, bigIntSequenceMath(kinesalite, BigNumber));
  }
  const kinesalite = db[ORIGINALS];
  return { kinesalite, bigInt: bigIntSequenceMath(kinesalite, BigNumber) };
}
