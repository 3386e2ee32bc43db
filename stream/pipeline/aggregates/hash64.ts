/**
 * A fixed 64-bit string hash as two uint32 halves, with no BigInt: bryc's cyrb53 with both 32-bit
 * lanes kept (https://github.com/bryc/code/blob/master/jshash/experimental/cyrb53.js). It is fixed
 * forever (no per-process seed), so hashed state in a snapshot means the same after a restart and
 * on another machine. It is not cryptographic; it only needs to spread ids evenly, which the
 * HyperLogLog error tests check against exact counts.
 */

/** Where `hash64Into` leaves its result, to avoid an allocation per record on the hot path. */
export interface Hash64 {
  hi: number;
  lo: number;
}

export function hash64Into(text: string, out: Hash64): Hash64 {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out.hi = h2 >>> 0;
  out.lo = h1 >>> 0;
  return out;
}

export function hash64(text: string): Hash64 {
  return hash64Into(text, { hi: 0, lo: 0 });
}
