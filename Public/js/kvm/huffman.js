// SPDX-License-Identifier: Apache-2.0
// Canonical Huffman decoding tables for inflate.js (RFC 1951 §3.2.2): a 9-bit lookup table
// for short codes, and a canonical walk for longer codes and for input that runs out.

export const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;
const MAX_BITS = 15;

/** Decoding result when the available bits do not complete a code. */
export const NEED_MORE = -1;
/** Decoding result for a bit pattern no symbol uses. */
export const INVALID = -2;

/** A decoding table built from per-symbol code lengths (0 = unused). */
export class Huffman {
  /**
   * @param {ArrayLike<number>} lengths code length per symbol
   * @throws {Error} when the lengths over-subscribe the code space
   */
  constructor(lengths) {
    this.count = new Uint16Array(MAX_BITS + 1);
    for (let s = 0; s < lengths.length; s++) this.count[lengths[s]]++;
    this.count[0] = 0;
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - this.count[len];
      if (left < 0) throw new Error('over-subscribed Huffman code');
    }
    const offs = new Uint16Array(MAX_BITS + 2);
    for (let len = 1; len <= MAX_BITS; len++) offs[len + 1] = offs[len] + this.count[len];
    this.symbols = new Uint16Array(lengths.length);
    const next = offs.slice();
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s]) this.symbols[next[lengths[s]]++] = s;
    }
    this.fast = new Int32Array(1 << FAST_BITS);
    this._fillFast(lengths);
  }

  // Codes are sent MSB-first but the bit reader is LSB-first, so table indexes are the
  // codes bit-reversed, repeated for every value of the unused high bits.
  _fillFast(lengths) {
    const code = new Uint16Array(MAX_BITS + 2);
    let c = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      c = (c + this.count[len - 1]) << 1;
      code[len] = c;
    }
    for (let s = 0; s < lengths.length; s++) {
      const len = lengths[s];
      if (len === 0) continue;
      const k = code[len]++;
      if (len > FAST_BITS) continue;
      let rev = 0;
      for (let i = 0; i < len; i++) rev |= ((k >> i) & 1) << (len - 1 - i);
      for (let i = rev; i <= FAST_MASK; i += 1 << len) this.fast[i] = (len << 16) | s;
    }
  }
}

/**
 * Decodes one symbol from `r` (an object with `bitbuf`, `bitcnt` and `pull()`, which adds 8
 * bits and returns false when input is exhausted). Does not consume: on success sets
 * `r.symLen` and returns the symbol; otherwise returns NEED_MORE or INVALID.
 */
export function decodeSymbol(h, r) {
  while (r.bitcnt < FAST_BITS && r.pull()) { /* fill */ }
  const e = h.fast[r.bitbuf & FAST_MASK];
  if (e !== 0) {
    const len = e >>> 16;
    if (len <= r.bitcnt) {
      r.symLen = len;
      return e & 0xFFFF;
    }
    return NEED_MORE; // pull() already failed above
  }
  // A long code, an unused pattern or too few bits: walk the canonical code.
  while (r.bitcnt < MAX_BITS && r.pull()) { /* fill */ }
  const w = walkTo(h, r.bitbuf, Math.min(r.bitcnt, MAX_BITS));
  if (w >= 0) {
    r.symLen = w >>> 16;
    return w & 0xFFFF;
  }
  return r.bitcnt >= MAX_BITS ? INVALID : NEED_MORE;
}

/**
 * Canonical decoding of the code at the bottom of `bitbuf`, which must hold at least 15
 * valid bits. Returns `(length << 16) | symbol`, or INVALID.
 */
export function walk(h, bitbuf) {
  return walkTo(h, bitbuf, MAX_BITS);
}

// Walks code lengths 1..maxLen, one bit at a time (puff-style); returns (length << 16) | symbol, or -1 when no code of
// at most maxLen bits matches.
function walkTo(h, bitbuf, maxLen) {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= maxLen; len++) {
    code |= (bitbuf >>> (len - 1)) & 1;
    const count = h.count[len];
    if (code - first < count) return (len << 16) | h.symbols[index + code - first];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}
